import { Alert, Button, Card, Grid, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useLang } from '../../../i18n/useLang';
import type { FlowDoc, FlowEdge } from '../lib/document';
import type { FlowRefusal, RefusalStep } from '../lib/flowcheck';

interface Props {
  refusal: FlowRefusal;
  doc: FlowDoc;
  /** The step highlighted on the canvas; undefined: the whole route. */
  selected?: number;
  onSelect: (step: number | undefined) => void;
  onClose: () => void;
}

const ACTION_KEYS: Record<string, string> = {
  start: 'start',
  approve: 'approve',
  reject: 'reject',
  return: 'return',
  'add_signer:before': 'addSignerBefore',
  'add_signer:after': 'addSignerAfter',
  delegate: 'delegate',
  resume: 'resume',
  retry: 'retry',
  override: 'override',
};

/** Why the flow checker refused to publish, where, and the decisions from the start that lead there (each clickable). */
export function FlowCheckPanel({ refusal, doc, selected, onSelect, onClose }: Props) {
  const { t } = useTranslation();
  const { pick } = useLang();
  // on a phone the page scrolls anyway: no box that scrolls inside it
  const narrow = Grid.useBreakpoint().md === false;
  const name = (id: string | undefined) => {
    if (!id) return '?';
    const n = doc.nodes.find((x) => x.id === id);
    return (n?.name && pick(n.name)) || id;
  };
  const edgeText = (e: FlowEdge) => t('designer.check.edge', { from: name(e.from), to: name(e.to) });
  const place = refusal.fault.edge ? edgeText(refusal.fault.edge) : refusal.fault.node ? t('designer.check.node', { node: name(refusal.fault.node) }) : undefined;

  return (
    <Card
      size="small"
      data-testid="flowcheck-panel"
      data-code={refusal.code}
      styles={{ body: narrow ? undefined : { maxHeight: 320, overflow: 'auto' } }}
      title={<span style={{ whiteSpace: 'normal' }}>{t('designer.check.title')}</span>}
      extra={<Typography.Link onClick={onClose} data-testid="flowcheck-close">{t('designer.close')}</Typography.Link>}
    >
      <Alert
        type="error"
        showIcon
        data-testid="flowcheck-reason"
        title={t(`designer.check.code.${refusal.code}`)}
        description={
          <>
            {place ? <div data-testid="flowcheck-place">{t('designer.check.at', { place })}</div> : null}
            {refusal.message ? (
              <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="flowcheck-detail">
                {refusal.message}
              </Typography.Text>
            ) : null}
          </>
        }
      />
      {refusal.steps.length ? (
        <div style={{ marginTop: 8 }}>
          <Typography.Text strong>{t('designer.check.fromStart')}</Typography.Text>{' '}
          {selected !== undefined ? (
            <Button size="small" type="link" onClick={() => onSelect(undefined)} data-testid="flowcheck-all">
              {t('designer.check.showAll')}
            </Button>
          ) : null}
          <ol style={{ margin: '4px 0 0', paddingInlineStart: 24 }} data-testid="flowcheck-steps">
            {refusal.steps.map((s, i, all) => (
              <li key={i} style={{ marginBottom: 2 }}>
                <button
                  type="button"
                  data-testid="flowcheck-step"
                  data-index={i}
                  data-active={selected === i ? 'true' : 'false'}
                  aria-pressed={selected === i}
                  onClick={() => onSelect(selected === i ? undefined : i)}
                  style={{
                    all: 'unset',
                    cursor: 'pointer',
                    display: 'block',
                    padding: '2px 6px',
                    borderRadius: 4,
                    background: selected === i ? '#fff1b8' : undefined,
                    outline: selected === i ? '1px solid #faad14' : undefined,
                    whiteSpace: 'normal',
                    wordBreak: 'break-word',
                  }}
                >
                  {stepText(s, name, edgeText, t, i === all.length - 1)}
                </button>
              </li>
            ))}
          </ol>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('designer.check.badState')}
          </Typography.Text>
        </div>
      ) : null}
    </Card>
  );
}

/** "業務審核 approved (the condition on A → B holds) — reaches B, C". */
export function stepText(
  s: RefusalStep,
  name: (id: string | undefined) => string,
  edgeText: (e: FlowEdge) => string,
  t: TFunction,
  last = false,
): string {
  const key = ACTION_KEYS[s.action];
  const outcome = s.outcome ? t(`status.${s.outcome}`, { defaultValue: s.outcome }) : '';
  let text = key
    ? t(`designer.check.action.${key}`, { node: name(s.node), target: name(s.target), outcome })
    : t('designer.check.action.other', { node: name(s.node) });
  if (s.by) text += t(`designer.check.by.${s.by}`);
  const choices = s.choices.map((c) => {
    if (c.edge) return t(c.value === 'true' ? 'designer.check.holds' : 'designer.check.fails', { edge: edgeText(c.edge) });
    const value = c.value === 'ok' ? t('designer.check.pluginOk') : c.value === 'failure' ? t('designer.check.pluginFailure') : c.value;
    return t('designer.check.plugin', { node: name(c.node), value });
  });
  if (choices.length) text += t('designer.check.choices', { choices: choices.join(t('common.listSeparator')) });
  // a start step reaches the start node first: not worth saying
  const reached = (s.action === 'start' ? s.nodes.slice(1) : s.nodes).filter((n) => n !== s.node);
  // the last step leads into the bad state (an engine error reaches nothing): the reason above says what happens
  if (reached.length) text += t('designer.check.reaches', { nodes: reached.map(name).join(t('common.listSeparator')) });
  else if (!last) text += t('designer.check.reachesNothing');
  return text;
}
