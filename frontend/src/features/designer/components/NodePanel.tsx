import { useState } from 'react';
import { Alert, Button, Checkbox, Divider, Form, Input, InputNumber, Radio, Select, Space, Tag, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useDepartments } from '../../departments';
import { useDefList } from '../../definitions';
import { useUsers } from '../../users';
import { useFormFields } from '../api/formFields';
import { AUTO_ACTIONS, DURATION, SUGGESTED_SLA, type SlaRule } from '../lib/sla';
import { keyFromName } from '../lib/keys';
import { approverPairs, pairValue } from '../lib/approvers';
import { useLang } from '../../../i18n/useLang';
import { REVIEW_MODES, type Approvers, type FieldPermission, type FlowDoc, type FlowNode, type Text } from '../lib/document';
import { TextInputs } from '../../../components/TextInputs';
import { PluginSettingsForm } from './PluginSettingsForm';
import { hasSettingsForm, pluginDefaults, settingsChanged, type PluginInfo } from '../lib/plugins';
import type { FieldError } from '../../../lib/api';

interface Props {
  doc: FlowDoc;
  node: FlowNode;
  errors?: Record<string, string[]>;
  messages?: string[];
  /** The registered plugins (GET /plugins), for task nodes. */
  plugins?: PluginInfo[];
  /** Server errors inside a task node's settings, pointers relative to the settings. */
  settingsErrors?: FieldError[];
  /** `tag` groups keystrokes in one field into one undo step. */
  onChange: (node: FlowNode, tag?: string) => void;
  /** `auto`: the id follows the node's name (a node placed in this session whose id was not typed). */
  onRename: (newId: string, auto?: boolean) => void;
  /** The id follows the node's English name until the admin types one. */
  autoId?: boolean;

  onDelete: () => void;
  /** A review node's SLA (the rule of the flow's reminder for it) and its change. */
  sla?: SlaRule;
  onSlaChange?: (rule: SlaRule | undefined) => void;
}

const fieldStatus = (errors: Record<string, string[]> | undefined, f: string) =>
  errors?.[f]?.length ? { validateStatus: 'error' as const, help: errors[f].join('; ') } : {};

/** The properties of the selected node, by type. */
export function NodePanel({ doc, node, errors, messages, plugins, settingsErrors, onChange, onRename, onDelete, sla, onSlaChange, autoId }: Props) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const departments = useDepartments();
  // the pickers: roles, users, flows and the form's fields as the server has them
  const roles = useDefList('roles');
  const users = useUsers(node.type === 'review');
  const flows = useDefList('flows');
  const formFields = useFormFields(doc.form);
  const [id, setId] = useState(node.id);
  const [settingsText, setSettingsText] = useState(() => JSON.stringify(node.settings ?? {}, null, 2));
  const [settingsError, setSettingsError] = useState<string>();
  // another node: its own id and settings text (React's "adjust state on a prop change")
  const [shownId, setShownId] = useState(node.id);
  if (shownId !== node.id) {
    setShownId(node.id);
    setId(node.id);
    setSettingsText(JSON.stringify(node.settings ?? {}, null, 2));
    setSettingsError(undefined);
  }

  const set = (patch: Partial<FlowNode>, tag?: string) => {
    const next: FlowNode = { ...node, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete next[k];
    onChange(next, tag);
  };
  const setApprovers = (patch: Partial<Approvers>, tag?: string) => {
    const a: Approvers = { ...(node.approvers ?? {}), ...patch };
    for (const [k, v] of Object.entries(a)) if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) delete a[k as keyof Approvers];
    set({ approvers: a }, tag);
  };
  const commitId = () => {
    const v = id.trim();
    if (v && v !== node.id) onRename(v);
    else setId(node.id);
  };
  const idTaken = id !== node.id && doc.nodes.some((n) => n.id === id);
  // a new node's id is made from its name (English first) when the admin leaves the names
  const followName = () => {
    if (!autoId || id !== node.id) return;
    const names: Record<string, string | undefined> = typeof node.name === 'string' ? { 'zh-TW': node.name } : { ...(node.name ?? {}) };
    const from = names.en || Object.values(names).find((v) => v && /[a-z0-9]/i.test(v));
    const want = keyFromName(from, (k) => k !== node.id && doc.nodes.some((n) => n.id === k), '_', 'node');
    if (want && want !== node.id) onRename(want, true);
  };
  const depOptions = (departments.data?.items ?? []).map((d) => ({ value: d.key, label: `${pick(d.name)} (${d.key})` }));
  const fields = Object.entries(node.fields ?? {});
  const keep = (opts: { value: string; label: string }[], ...current: (string | undefined)[]) => {
    const out = [...opts];
    for (const v of current) if (v && !out.some((o) => o.value === v)) out.push({ value: v, label: v });
    return out;
  };
  const roleOptions = (cur?: string) => keep((roles.data?.items ?? []).map((r) => ({ value: r.key, label: `${pick(r.name as never) || r.key} (${r.key})` })), cur);
  const userOptions = keep(
    [...(users.data?.items ?? [])].sort((a, b) => a.username.localeCompare(b.username)).map((u) => ({ value: u.username, label: u.display_name ? `${u.display_name} (${u.username})` : u.username })),
    ...(node.approvers?.users ?? []),
  );
  const pairs = approverPairs(users.data?.items);
  const roleLabel = (k: string) => `${pick(roles.data?.items.find((r) => r.key === k)?.name as never) || k} (${k})`;
  const deptLabel = (k: string) => `${pick(departments.data?.items.find((d) => d.key === k)?.name) || k} (${k})`;
  const topFields = formFields.filter((f) => !f.path.includes('.'));
  const fieldOptions = (list: typeof formFields, cur?: string) => keep(list.map((f) => ({ value: f.path, label: `${f.label} (${f.path})` })), cur);
  const slaErr = errors?.sla;
  const setSla = (patch: Partial<SlaRule>) => onSlaChange?.({ ...(sla ?? {}), ...patch });
  // the choice is kept here: a role not picked yet is no escalation in the document
  const [escalateBy, setEscalateBy] = useState<'none' | 'manager' | 'role'>(sla?.escalate_to?.role ? 'role' : sla?.escalate_to?.manager_levels ? 'manager' : 'none');
  const dur = (v?: string) => (v && !DURATION.test(v) ? { validateStatus: 'error' as const, help: t('designer.sla.durationPattern') } : {});
  const plugin = node.type === 'task' ? plugins?.find((p) => p.name === node.plugin) : undefined;
  const pluginOptions = [...new Set([...(plugins ?? []).map((p) => p.name), ...(node.plugin ? [node.plugin] : [])])].sort().map((p) => ({ value: p, label: p }));

  return (
    <Form layout="vertical" size="small" data-testid="node-panel" data-node={node.id}>
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t('designer.nodeProps')} · {t(`designer.type.${node.type}`)}
      </Typography.Title>
      {messages?.length ? (
        <Alert type="error" showIcon style={{ marginBottom: 8 }} title={messages.map((m, i) => <div key={i}>{m}</div>)} data-testid="node-panel-errors" />
      ) : null}
      <Form.Item label={t('designer.name')} {...fieldStatus(errors, 'name')}>
        <TextInputs value={node.name} onChange={(v) => set({ name: v }, `name:${node.id}`)} onBlur={followName} testid="node-name" />
      </Form.Item>
      <Form.Item
        label={t('designer.id')}
        extra={autoId && !idTaken && !errors?.id?.length ? t('designer.idFromName') : undefined}
        {...(idTaken ? { validateStatus: 'error', help: t('designer.idTaken') } : fieldStatus(errors, 'id'))}
      >
        <Input value={id} onChange={(e) => setId(e.target.value)} onBlur={commitId} onPressEnter={commitId} data-testid="node-id" />
      </Form.Item>

      {node.type === 'review' && (
        <>
          <Form.Item label={t('designer.modeLabel')} {...fieldStatus(errors, 'mode')}>
            {/* the four ways in sight: one click, no list to open */}
            <Radio.Group
              value={node.mode}
              onChange={(e) => {
                const mode = e.target.value as FlowNode['mode'];
                set({ mode, ratio: mode === 'ratio' ? node.ratio ?? { share: 0.5 } : undefined });
              }}
              style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', rowGap: 4 }}
              data-testid="node-mode"
            >
              {REVIEW_MODES.map((m) => (
                <Radio key={m} value={m} data-testid={`node-mode-${m}`}>
                  {t(`designer.mode.${m}`)}
                </Radio>
              ))}
            </Radio.Group>
          </Form.Item>
          {node.mode === 'ratio' && (
            <Form.Item label={t('designer.ratio')} {...fieldStatus(errors, 'ratio')}>
              <Space.Compact>
                <Select
                  style={{ width: 110 }}
                  value={node.ratio?.count !== undefined ? 'count' : 'share'}
                  onChange={(k) => set({ ratio: k === 'count' ? { count: 2 } : { share: 0.5 } })}
                  options={[
                    { value: 'share', label: t('designer.ratioShare') },
                    { value: 'count', label: t('designer.ratioCount') },
                  ]}
                />
                {node.ratio?.count !== undefined ? (
                  <InputNumber min={1} step={1} value={node.ratio.count} onChange={(v) => set({ ratio: { count: Number(v ?? 1) } }, `ratio:${node.id}`)} />
                ) : (
                  <InputNumber min={0.01} max={1} step={0.1} value={node.ratio?.share} onChange={(v) => set({ ratio: { share: Number(v ?? 0.5) } }, `ratio:${node.id}`)} />
                )}
              </Space.Compact>
            </Form.Item>
          )}
          <Divider plain style={{ margin: '8px 0' }}>
            {t('designer.approvers')}
          </Divider>
          {errors?.approvers?.length ? <Alert type="error" title={errors.approvers.join('; ')} style={{ marginBottom: 8 }} /> : null}
          {/* role and department at once, as people hold them: who would get the task is in the list */}
          <Form.Item label={t('designer.approverPair')} extra={t('designer.approverPairHelp')}>
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              value={node.approvers?.role && node.approvers.department ? pairValue(node.approvers.role, node.approvers.department) : undefined}
              onChange={(v?: string) => {
                const p = pairs.find((x) => pairValue(x.role, x.department) === v);
                setApprovers({ role: p?.role, department: p?.department });
              }}
              options={pairs.map((p) => ({
                value: pairValue(p.role, p.department),
                label: t('designer.approverPairLabel', { role: roleLabel(p.role), department: deptLabel(p.department), people: p.people.join(t('common.listSeparator')) }),
              }))}
              loading={users.isPending}
              placeholder={t('designer.pickApproverPair')}
              data-testid="node-approver-pair"
            />
          </Form.Item>
          <Form.Item label={t('designer.role')}>
            <Select allowClear showSearch optionFilterProp="label" value={node.approvers?.role || undefined} onChange={(v?: string) => setApprovers({ role: v })} options={roleOptions(node.approvers?.role)} loading={roles.isPending} placeholder={t('designer.pickRole')} data-testid="node-approver-role" />
          </Form.Item>
          <Form.Item label={t('designer.department')}>
            <Select allowClear showSearch value={node.approvers?.department} onChange={(v) => setApprovers({ department: v })} options={depOptions} placeholder={t('designer.departmentOwn')} data-testid="node-approver-department" />
          </Form.Item>
          <Form.Item label={t('designer.users')}>
            {/* people the server knows; free text only when the list may not be read (no users.manage) */}
            <Select mode={users.isError ? 'tags' : 'multiple'} showSearch optionFilterProp="label" value={node.approvers?.users ?? []} onChange={(v: string[]) => setApprovers({ users: v })} options={userOptions} loading={users.isPending} placeholder={t('designer.pickUsers')} data-testid="node-approver-users" />
          </Form.Item>
          <Form.Item label={t('designer.approverField')}>
            <Select allowClear showSearch optionFilterProp="label" value={node.approvers?.field || undefined} onChange={(v?: string) => setApprovers({ field: v })} options={fieldOptions(formFields.filter((f) => f.type === 'string'), node.approvers?.field)} placeholder={t('designer.pickField')} data-testid="node-approver-field" />
          </Form.Item>
          <Form.Item label={t('designer.manager')}>
            <InputNumber min={1} max={10} value={node.approvers?.manager} onChange={(v) => setApprovers({ manager: v == null ? undefined : Number(v) })} />
          </Form.Item>
          <Divider plain style={{ margin: '8px 0' }}>
            {t('designer.behaviour')}
          </Divider>
          <Form.Item label={t('designer.reasons')} {...fieldStatus(errors, 'reasons')}>
            <Select
              mode="tags"
              value={node.reasons ?? []}
              onChange={(v: string[]) => set({ reasons: v.length ? v : undefined })}
              options={node.reasons?.map((r) => ({ value: r, label: t(`reasons.${r}`, { defaultValue: r }) }))}
              open={false}
              tokenSeparators={[',', ' ']}
            />
          </Form.Item>
          <Form.Item label={t('designer.onReject')}>
            <Select
              allowClear
              value={node.on_reject}
              onChange={(v) => set({ on_reject: v })}
              options={doc.nodes.filter((n) => n.id !== node.id).map((n) => ({ value: n.id, label: `${pick(n.name) || n.id} (${n.id})` }))}
              placeholder={t('designer.onRejectEnd')}
            />
          </Form.Item>
          <Space orientation="vertical" style={{ marginBottom: 12 }}>
            <Checkbox checked={!!node.allow_self} onChange={(e) => set({ allow_self: e.target.checked || undefined })}>
              {t('designer.allowSelf')}
            </Checkbox>
            <Checkbox checked={!!node.auto_pass} onChange={(e) => set({ auto_pass: e.target.checked || undefined })}>
              {t('designer.autoPass')}
            </Checkbox>
            <Checkbox checked={!!node.return_direct} onChange={(e) => set({ return_direct: e.target.checked || undefined })}>
              {t('designer.returnDirect')}
            </Checkbox>
            <Checkbox checked={!!node.shipping} onChange={(e) => set({ shipping: e.target.checked || undefined })}>
              {t('designer.shipping')}
            </Checkbox>
          </Space>
          {/* fresh_sign_in (issue 19): approving above this total needs a recently entered password; the server enforces it */}
          <Form.Item label={t('freshSignIn.label')} extra={t('freshSignIn.help')} {...fieldStatus(errors, 'fresh_sign_in')}>
            <InputNumber
              min={0}
              style={{ width: '100%' }}
              placeholder={t('freshSignIn.placeholder')}
              value={(node.fresh_sign_in as { above?: number } | undefined)?.above}
              onChange={(v) =>
                set(
                  { fresh_sign_in: v == null ? undefined : { ...(node.fresh_sign_in as object | undefined), above: Number(v) } },
                  `fresh:${node.id}`,
                )
              }
              data-testid="node-fresh-sign-in"
            />
          </Form.Item>
          <Form.Item label={t('designer.checklist')} {...fieldStatus(errors, 'checklist')}>
            <Space orientation="vertical" style={{ width: '100%' }}>
              {(node.checklist ?? []).map((item, i) => (
                <div key={i} style={{ display: 'flex', gap: 4, alignItems: 'flex-start' }}>
                  <TextInputs
                    value={item}
                    onChange={(v) => set({ checklist: (node.checklist ?? []).map((c, j) => (j === i ? v ?? ({} as Text) : c)) }, `check:${node.id}:${i}`)}
                  />
                  <Button size="small" icon={<DeleteOutlined />} aria-label={t('designer.remove')} onClick={() => {
                    const list = (node.checklist ?? []).filter((_, j) => j !== i);
                    set({ checklist: list.length ? list : undefined });
                  }} />
                </div>
              ))}
              <Button size="small" icon={<PlusOutlined />} onClick={() => set({ checklist: [...(node.checklist ?? []), { 'zh-TW': '' } as Text] })}>
                {t('designer.addChecklist')}
              </Button>
            </Space>
          </Form.Item>
          <Form.Item label={t('designer.fieldPermissions')} {...fieldStatus(errors, 'fields')}>
            <Space orientation="vertical" style={{ width: '100%' }}>
              {fields.map(([name, perm], i) => (
                <Space.Compact key={i} style={{ width: '100%' }}>
                  <Select
                    showSearch
                    optionFilterProp="label"
                    style={{ flex: 1, minWidth: 0 }}
                    value={name}
                    onChange={(v: string) => {
                      const entries = fields.map(([n, p], j) => [j === i ? v : n, p] as const);
                      set({ fields: Object.fromEntries(entries) });
                    }}
                    options={fieldOptions(topFields.filter((f) => f.path === name || !(f.path in (node.fields ?? {}))), name)}
                    data-testid={`node-field-name-${i}`}
                  />
                  <Select
                    style={{ width: 110 }}
                    value={perm}
                    onChange={(p: FieldPermission) => set({ fields: { ...(node.fields ?? {}), [name]: p } })}
                    options={(['hidden', 'read', 'edit'] as const).map((p) => ({ value: p, label: t(`designer.perm.${p}`) }))}
                  />
                  <Button icon={<DeleteOutlined />} aria-label={t('designer.remove')} onClick={() => {
                    const entries = fields.filter((_, j) => j !== i);
                    set({ fields: entries.length ? Object.fromEntries(entries) : undefined });
                  }} />
                </Space.Compact>
              ))}
              <Button size="small" icon={<PlusOutlined />} onClick={() => {
                // the next field of the form without a permission yet
                const k = topFields.find((f) => !(f.path in (node.fields ?? {})))?.path;
                if (k) set({ fields: { ...(node.fields ?? {}), [k]: 'read' } });
              }}>
                {t('designer.addField')}
              </Button>
            </Space>
          </Form.Item>
          {onSlaChange && (
            <div data-testid="node-sla">
              <Divider plain style={{ margin: '8px 0' }}>
                {t('designer.sla.title')}
              </Divider>
              <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
                {t('designer.sla.help')}
              </Typography.Paragraph>
              {slaErr?.length ? <Alert type="error" title={slaErr.join('; ')} style={{ marginBottom: 8 }} data-testid="node-sla-errors" /> : null}
              {!sla && (
                <Button
                  size="small"
                  block
                  style={{ marginBottom: 8, whiteSpace: 'normal', height: 'auto' }}
                  onClick={() => {
                    setEscalateBy('manager');
                    onSlaChange(SUGGESTED_SLA);
                  }}
                  data-testid="node-sla-suggest"
                >
                  {t('designer.sla.suggest')}
                </Button>
              )}
              <div style={{ display: 'flex', gap: 8 }}>
                <Form.Item label={t('designer.sla.remindAfter')} style={{ flex: 1, minWidth: 0 }} {...dur(sla?.remind_after)}>
                  <Input value={sla?.remind_after ?? ''} placeholder="4h" onChange={(e) => setSla({ remind_after: e.target.value.trim() })} data-testid="node-sla-remind" />
                </Form.Item>
                <Form.Item label={t('designer.sla.repeatEvery')} style={{ flex: 1, minWidth: 0 }} {...dur(sla?.repeat_every)}>
                  <Input value={sla?.repeat_every ?? ''} placeholder="4h" disabled={!sla?.remind_after} onChange={(e) => setSla({ repeat_every: e.target.value.trim() })} data-testid="node-sla-repeat" />
                </Form.Item>
                <Form.Item label={t('designer.sla.maxTimes')} style={{ width: 72 }}>
                  <InputNumber min={1} max={100} style={{ width: '100%' }} value={sla?.max_times} disabled={!sla?.repeat_every} onChange={(v) => setSla({ max_times: v == null ? undefined : Number(v) })} />
                </Form.Item>
              </div>
              <Form.Item label={t('designer.sla.escalateAfter')} {...dur(sla?.escalate_after)}>
                <Input
                  value={sla?.escalate_after ?? ''}
                  placeholder="1d"
                  onChange={(e) => {
                    const v = e.target.value.trim();
                    // an escalation first set goes to the manager: one that hands the task to nobody is the rarer wish
                    if (v && !sla?.escalate_after && !sla?.escalate_to && escalateBy === 'none') {
                      setEscalateBy('manager');
                      setSla({ escalate_after: v, escalate_to: { manager_levels: 1 } });
                    } else setSla({ escalate_after: v });
                  }}
                  data-testid="node-sla-escalate"
                />
              </Form.Item>
              {sla?.escalate_after && (
                <Form.Item label={t('designer.sla.escalateTo')}>
                  <Space orientation="vertical" style={{ width: '100%' }}>
                    <Select
                      value={escalateBy}
                      onChange={(by: 'none' | 'manager' | 'role') => {
                        setEscalateBy(by);
                        setSla({ escalate_to: by === 'manager' ? { manager_levels: 1 } : undefined });
                      }}
                      options={(['none', 'manager', 'role'] as const).map((v) => ({ value: v, label: t(`designer.sla.by.${v}`) }))}
                      data-testid="node-sla-escalate-by"
                    />
                    {escalateBy === 'manager' && (
                      <InputNumber min={1} max={5} value={sla.escalate_to?.manager_levels} addonAfter={t('designer.sla.levels')} onChange={(v) => setSla({ escalate_to: { manager_levels: Number(v ?? 1) } })} />
                    )}
                    {escalateBy === 'role' && (
                      <>
                        <Select showSearch optionFilterProp="label" value={sla.escalate_to?.role || undefined} onChange={(v: string) => setSla({ escalate_to: { ...sla.escalate_to, role: v } })} options={roleOptions(sla.escalate_to?.role)} placeholder={t('designer.pickRole')} data-testid="node-sla-escalate-role" />
                        <Select allowClear showSearch optionFilterProp="label" value={sla.escalate_to?.department} onChange={(v?: string) => setSla({ escalate_to: { ...sla.escalate_to, department: v } })} options={depOptions} placeholder={t('designer.departmentOwn')} />
                      </>
                    )}
                  </Space>
                </Form.Item>
              )}
              <div style={{ display: 'flex', gap: 8 }}>
                <Form.Item label={t('designer.sla.autoAfter')} style={{ flex: 1, minWidth: 0 }} {...dur(sla?.auto_after)}>
                  <Input value={sla?.auto_after ?? ''} placeholder="5d" onChange={(e) => setSla({ auto_after: e.target.value.trim(), auto_action: sla?.auto_action ?? (e.target.value ? 'return' : undefined) })} data-testid="node-sla-auto" />
                </Form.Item>
                <Form.Item label={t('designer.sla.autoAction')} style={{ width: 110 }}>
                  <Select value={sla?.auto_action} disabled={!sla?.auto_after} onChange={(v: SlaRule['auto_action']) => setSla({ auto_action: v })} options={AUTO_ACTIONS.map((a) => ({ value: a, label: t(`designer.sla.action.${a}`) }))} data-testid="node-sla-auto-action" />
                </Form.Item>
              </div>
            </div>
          )}
        </>
      )}

      {node.type === 'task' && (
        <>
          <Form.Item
            label={t('designer.plugin')}
            {...(node.plugin && plugins && !plugin ? { validateStatus: 'warning', help: t('designer.pluginUnknown') } : fieldStatus(errors, 'plugin'))}
          >
            <Select
              showSearch
              value={node.plugin || undefined}
              onChange={(v: string) => {
                const p = plugins?.find((x) => x.name === v);
                set({ plugin: v, settings: p ? pluginDefaults(p.settings_schema) : node.settings });
                setSettingsText(JSON.stringify(p ? pluginDefaults(p.settings_schema) : node.settings ?? {}, null, 2));
              }}
              options={pluginOptions}
              data-testid="node-plugin"
            />
          </Form.Item>
          {plugin && (
            <div style={{ marginBottom: 8 }} data-testid="node-plugin-outcomes">
              <Typography.Text type="secondary">{t('designer.pluginOutcomes')}: </Typography.Text>
              {plugin.outcomes.map((o) => (
                <Tag key={o}>{o}</Tag>
              ))}
            </div>
          )}
          {plugin && typeof plugin.settings_schema.description === 'string' && (
            <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
              {plugin.settings_schema.description}
            </Typography.Paragraph>
          )}
          {plugin && hasSettingsForm(plugin.settings_schema) ? (
            <Form.Item label={t('designer.settingsForm')} {...fieldStatus(errors, 'settings')}>
              <PluginSettingsForm
                key={`${node.id}:${node.plugin}`}
                schema={plugin.settings_schema}
                value={node.settings}
                serverErrors={settingsErrors}
                onChange={(v) => settingsChanged(node.settings, v) && set({ settings: v }, `settings:${node.id}`)}
              />
            </Form.Item>
          ) : (
            <Form.Item
              label={t('designer.settings')}
              {...(settingsError ? { validateStatus: 'error', help: settingsError } : fieldStatus(errors, 'settings'))}
            >
              <Input.TextArea
                rows={6}
                style={{ fontFamily: 'monospace' }}
                value={settingsText}
                data-testid="node-settings-json"
                onChange={(e) => {
                  setSettingsText(e.target.value);
                  try {
                    const v: unknown = JSON.parse(e.target.value || '{}');
                    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error();
                    setSettingsError(undefined);
                    set({ settings: v as Record<string, unknown> }, `settings:${node.id}`);
                  } catch {
                    setSettingsError(t('designer.settingsInvalid'));
                  }
                }}
              />
            </Form.Item>
          )}
        </>
      )}

      {node.type === 'end' && (
        <Form.Item label={t('designer.endStatus')} {...fieldStatus(errors, 'status')}>
          <Input value={node.status ?? ''} onChange={(e) => set({ status: e.target.value || undefined }, `status:${node.id}`)} placeholder="completed" />
        </Form.Item>
      )}

      {node.type === 'wait' && (
        <>
          <Form.Item label={t('designer.waitAfter')} extra={t('designer.waitHelp')} {...fieldStatus(errors, 'wait')}>
            <Input
              value={node.wait?.after ?? ''}
              placeholder="2h"
              onChange={(e) => set({ wait: { ...(e.target.value ? { after: e.target.value } : {}), ...(node.wait?.until_field ? { until_field: node.wait.until_field } : {}) } }, `wait:${node.id}`)}
            />
          </Form.Item>
          <Form.Item label={t('designer.waitUntilField')}>
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              value={node.wait?.until_field || undefined}
              options={fieldOptions(formFields.filter((f) => f.format === 'date' || f.format === 'date-time'), node.wait?.until_field)}
              onChange={(v?: string) => set({ wait: { ...(node.wait?.after ? { after: node.wait.after } : {}), ...(v ? { until_field: v } : {}) } })}
            />
          </Form.Item>
        </>
      )}

      {node.type === 'subflow' && (
        <Form.Item label={t('designer.subflowFlow')} extra={t('designer.subflowHelp')} {...fieldStatus(errors, 'subflow')}>
          <Select
            showSearch
            optionFilterProp="label"
            value={node.subflow?.flow || undefined}
            options={keep((flows.data?.items ?? []).filter((f) => f.key !== doc.key).map((f) => ({ value: f.key, label: `${pick(f.name as never) || f.key} (${f.key})` })), node.subflow?.flow)}
            onChange={(v: string) => set({ subflow: { ...node.subflow, flow: v } })}
          />
        </Form.Item>
      )}

      {node.type === 'join' && (
        <Form.Item label={t('designer.fork')} {...fieldStatus(errors, 'fork')}>
          <Select
            value={node.fork || undefined}
            onChange={(v) => set({ fork: v })}
            options={doc.nodes.filter((n) => n.type === 'parallel' || n.type === 'inclusive').map((n) => ({ value: n.id, label: `${pick(n.name) || n.id} (${n.id})` }))}
          />
        </Form.Item>
      )}

      <Button danger icon={<DeleteOutlined />} onClick={onDelete} data-testid="node-delete">
        {t('designer.deleteNode')}
      </Button>
    </Form>
  );
}
