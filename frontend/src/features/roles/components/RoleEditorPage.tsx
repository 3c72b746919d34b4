import { useEffect, useRef } from 'react';
import { Checkbox, Flex, Form, Radio, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { DefinitionEditorPage, type EditorProps } from '../../definitions';
import { applyServerErrors } from '../../definitions';
import { TextInputs } from '../../../components/TextInputs';
import type { Text } from '../../designer';
import { COMPANY_WIDE, PERMISSIONS, permissionLabelKey } from '../../auth';


export interface RoleDoc {
  $schema?: string;
  kind: 'role';
  key: string;
  name?: Text;
  description?: Text;
  scope: 'department' | 'global';
  permissions: string[];
  [extra: string]: unknown;
}

export const newRoleDoc = (key: string): RoleDoc => ({
  $schema: 'https://sluice.dev/schemas/role.schema.json',
  kind: 'role',
  key,
  scope: 'department',
  permissions: ['orders.read'],
});

/** Route /designer/roles/:key. */
export function RoleEditorPage() {
  const { t } = useTranslation();
  return (
    <DefinitionEditorPage<RoleDoc> kind="roles" listPath="/designer/roles" listTitle={t('roleEditor.title')} newDoc={newRoleDoc} testid="role-editor">
      {(p) => <RoleForm {...p} />}
    </DefinitionEditorPage>
  );
}

function RoleForm({ doc, revision, onChange, errors }: EditorProps<RoleDoc>) {
  const { t } = useTranslation();
  const [form] = Form.useForm<RoleDoc>();
  useEffect(() => form.setFieldsValue({ name: undefined, description: undefined, ...doc }), [revision]); // eslint-disable-line react-hooks/exhaustive-deps
  const marked = useRef<string[]>([]);
  useEffect(() => {
    applyServerErrors(form, errors, (p) => (['name', 'description', 'scope', 'permissions'].includes(p[0]) ? [p[0]] : undefined), marked);
  }, [errors, form]);
  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={doc}
      style={{ maxWidth: 720 }}
      onValuesChange={(_, all) => {
        const next = { ...doc, ...all } as RoleDoc;
        for (const k of ['name', 'description'] as const) if (!next[k]) delete next[k];
        onChange(next);
      }}
    >
      <Form.Item name="name" label={t('defs.name')}>
        <TextInputs value={doc.name} onChange={() => undefined} testid="role-name" />
      </Form.Item>
      <Form.Item name="description" label={t('defs.description')}>
        <TextInputs value={doc.description} onChange={() => undefined} testid="role-description" />
      </Form.Item>
      <Form.Item name="scope" label={t('roleEditor.scope')} rules={[{ required: true }]}>
        <Radio.Group data-testid="role-scope">
          <Radio value="department">{t('roleEditor.scopeDepartment')}</Radio>
          <Radio value="global">{t('roleEditor.scopeGlobal')}</Radio>
        </Radio.Group>
      </Form.Item>
      <Form.Item name="permissions" label={t('roleEditor.permissions')}>
        <Checkbox.Group style={{ width: '100%' }} data-testid="role-permissions">
          <Flex vertical gap={6}>
            {PERMISSIONS.map((p) => (
              <Checkbox key={p} value={p} data-testid={`role-perm-${p}`}>
                <Typography.Text code>{p}</Typography.Text> {t(permissionLabelKey(p))}
                {COMPANY_WIDE.includes(p) && (
                  <Tag color={doc.scope === 'department' ? 'warning' : 'default'} style={{ marginInlineStart: 8 }} data-testid={`role-perm-company-wide-${p}`}>
                    {t('roleEditor.companyWideOnly')}
                  </Tag>
                )}
              </Checkbox>
            ))}
          </Flex>
        </Checkbox.Group>
      </Form.Item>
    </Form>
  );
}
