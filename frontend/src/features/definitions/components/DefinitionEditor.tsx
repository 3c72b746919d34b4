import { useState, type ReactNode } from 'react';
import { App, Button, Card, Flex, Skeleton, Space, Tabs, Tag, Typography } from 'antd';
import { ArrowLeftOutlined, SaveOutlined, SendOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useForbidden } from '../../auth';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { isApiError, type FieldError } from '../../../lib/api';
import { useLang } from '../../../i18n/useLang';
import type { LocalizedText } from '../../../i18n/pickText';
import { opening, useDef, usePublish, useSaveDraft, type Kind } from '../api/definitions';
import { JsonTab } from './JsonTab';
import { ServerErrors } from './ServerErrors';
import { useDefinitionDraft } from '../../../lib/useDefinitionDraft';

export interface EditorProps<D> {
  doc: D;
  /** Changes when the document is replaced from outside the form (JSON tab): forms re-read their values. */
  revision: number;
  onChange: (doc: D) => void;
  /** Field errors of the last save or publish. */
  errors: FieldError[];
}

interface Props<D extends { key: string; name?: LocalizedText }> {
  kind: Kind;
  listPath: string;
  listTitle: string;
  newDoc: (key: string) => D;
  testid: string;
  children: (p: EditorProps<D>) => ReactNode;
}

/** Route …/:key of roles and reminders: loads the draft (else the published version, else a new document), a form and a JSON tab, save and publish. */
export function DefinitionEditorPage<D extends { key: string; name?: LocalizedText }>(props: Props<D>) {
  const { key = '' } = useParams();
  const forbidden = useForbidden('definitions.manage');
  const def = useDef<D>(props.kind, key);
  if (forbidden) return forbidden;
  const { loading, failed, view } = opening(def);
  if (loading) return <Skeleton active />;
  if (failed) return <ErrorAlert error={failed} onRetry={() => void def.refetch()} />;
  const initial = view?.draft ?? view?.body ?? props.newDoc(key);
  const info = view ? { version: view.version, hasDraft: !!view.draft } : { version: 0, hasDraft: false };
  return <Editor key={key} {...props} initial={initial} info={info} />;
}

function Editor<D extends { key: string; name?: LocalizedText }>({
  kind,
  listPath,
  listTitle,
  initial,
  info,
  testid,
  children,
}: Props<D> & { initial: D; info: { version: number; hasDraft: boolean } }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [doc, setDoc] = useState<D>(initial);
  const [revision, setRevision] = useState(0);
  const [failure, setFailure] = useState<{ title: string; errors: FieldError[] }>();
  const save = useSaveDraft<D>(kind);
  const publish = usePublish(kind);

  const fail = (e: unknown) =>
    setFailure(
      isApiError(e)
        ? { title: e.detail ? `${t('defs.saveFailed')}: ${e.detail}` : t('defs.saveFailed'), errors: e.fieldErrors }
        : { title: e instanceof Error ? e.message : String(e), errors: [] },
    );
  const { dirty, status, saveDraft: doSave, publish: doPublish } = useDefinitionDraft<D, D>({
    value: doc,
    toBody: (d) => d,
    saved: initial,
    status: info,
    save: save.mutateAsync,
    publish: (d) => publish.mutateAsync(d.key),
    onSaved: () => setFailure(undefined),
    onSaveError: fail,
    onPublishError: fail,
  });
  const onPublish = async () => {
    const version = await doPublish();
    if (version === undefined) return;
    setFailure(undefined);
    void message.success(t('defs.published', { version }));
  };

  return (
    <Flex vertical gap={12} data-testid={testid}>
      <Card size="small">
        <Flex justify="space-between" align="center" wrap gap={8}>
          <Space wrap>
            <Link to={listPath}>
              <ArrowLeftOutlined /> {listTitle}
            </Link>
            <Typography.Title level={4} style={{ margin: 0 }}>
              {pick(doc.name) || doc.key} <Typography.Text code>{doc.key}</Typography.Text>
            </Typography.Title>
            <span data-testid={`${testid}-status`}>
              {status.version > 0 ? <Tag color="green">{t('defs.versionN', { version: status.version })}</Tag> : <Tag>{t('defs.unpublished')}</Tag>}
              {status.hasDraft && <Tag color="orange">{t('defs.hasDraft')}</Tag>}
              {dirty && <Tag color="gold">{t('defs.unsaved')}</Tag>}
            </span>
          </Space>
          <Space>
            <Button
              icon={<SaveOutlined />}
              loading={save.isPending}
              onClick={() => void doSave().then((ok) => ok && message.success(t('defs.saved')))}
              data-testid={`${testid}-save`}
            >
              {t('defs.saveDraft')}
            </Button>
            <Button type="primary" icon={<SendOutlined />} loading={publish.isPending} onClick={() => void onPublish()} data-testid={`${testid}-publish`}>
              {t('defs.publish')}
            </Button>
          </Space>
        </Flex>
      </Card>
      {failure && <ServerErrors title={failure.title} errors={failure.errors} />}
      <Card size="small">
        <Tabs
          items={[
            { key: 'form', label: t('defs.form'), children: children({ doc, revision, onChange: setDoc, errors: failure?.errors ?? [] }) },
            {
              key: 'json',
              label: t('defs.json'),
              children: (
                <JsonTab
                  value={doc}
                  testid={`${testid}-json`}
                  onApply={(v) => {
                    const d = v as D;
                    if (!d || typeof d !== 'object' || d.key !== doc.key) return t('defs.jsonKeyMismatch', { key: doc.key });
                    setDoc(d);
                    setRevision((r) => r + 1);
                  }}
                />
              ),
            },
          ]}
        />
      </Card>
    </Flex>
  );
}
