import { useEffect, useMemo, useRef } from 'react';
import { AutoComplete, Button, Card, Checkbox, Col, Divider, Flex, Form, Input, InputNumber, Radio, Row, Select, Switch, Typography } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import dayjs from 'dayjs';
import { DefinitionEditorPage, type EditorProps } from '../../definitions';
import { applyServerErrors } from '../../definitions';
import { useDef, useDefList } from '../../definitions';
import { TextInputs } from '../../../components/TextInputs';
import type { FlowDoc } from '../../designer';
import { useLang } from '../../../i18n/useLang';
import type { LocalizedText } from '../../../i18n/pickText';
import { isTimeZone } from '../lib/cron';
import { useSchedulePreview } from '../api/schedules';
import { DURATION_RE, HHMM_END_RE, HHMM_RE, WEEKDAYS, docToValues, newReminderDoc, valuesToDoc, type ReminderDoc, type ReminderValues } from '../lib/model';

const TIME_ZONES = ['Asia/Taipei', 'Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Tokyo', 'Asia/Singapore', 'UTC', 'Europe/London', 'America/New_York', 'America/Los_Angeles'];
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Route /designer/reminders/:key. */
export function ReminderEditorPage() {
  const { t } = useTranslation();
  return (
    <DefinitionEditorPage<ReminderDoc> kind="reminders" listPath="/designer/reminders" listTitle={t('reminderEditor.title')} newDoc={(k) => newReminderDoc(k)} testid="reminder-editor">
      {(p) => <ReminderForm {...p} />}
    </DefinitionEditorPage>
  );
}

/** Where a server error pointer lands in the editor's values. */
function pointerToName(p: string[], values: ReminderValues): (string | number)[] | undefined {
  const [a, b, c, d] = p;
  if (['key', 'name', 'description', 'flow', 'deadline_field'].includes(a)) return [a];
  if (a === 'calendar') {
    if (b === 'hours') return [d === 'end' || c === 'end' ? 'hours_end' : 'hours_start'];
    if (b === 'time_zone' || b === 'weekdays' || b === 'holidays') return [b];
    return ['time_zone'];
  }
  if (a === 'rules' && b !== undefined) {
    const i = values.rules.findIndex((r) => r?.node === b);
    if (i < 0) return undefined;
    if (c === 'escalate_to') return ['rules', i, d === 'manager_levels' ? 'manager_levels' : d === 'department' ? 'escalate_department' : 'escalate_role'];
    return ['rules', i, c && c in values.rules[i] ? c : 'node'];
  }
  if (a === 'schedules' && b !== undefined && /^\d+$/.test(b)) return ['schedules', Number(b), c === 'time_zone' || c === 'key' ? c : 'cron'];
  return undefined;
}

function ReminderForm({ doc, revision, onChange, errors }: EditorProps<ReminderDoc>) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const [form] = Form.useForm<ReminderValues>();
  const initial = useMemo(() => docToValues(doc), [revision]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => form.setFieldsValue(initial), [initial, form]);
  const marked = useRef<string[]>([]);
  useEffect(() => {
    applyServerErrors(form, errors, (p) => pointerToName(p, form.getFieldsValue(true) as ReminderValues), marked);
  }, [errors, form]);

  const flowKey = Form.useWatch('flow', form);
  const calendarOn = Form.useWatch('calendar_on', form);
  const hoursOn = Form.useWatch('hours_on', form);
  const calendarTz = Form.useWatch('time_zone', form);
  const flows = useDefList('flows');
  const roles = useDefList('roles');
  const flow = useDef<FlowDoc>('flows', flowKey || undefined);
  const flowDoc = flow.data?.body ?? flow.data?.draft;
  const formDef = useDef<{ schema?: { properties?: Record<string, { format?: string; title?: LocalizedText }> } }>('forms', flowDoc?.form);
  const reviewNodes = (flowDoc?.nodes ?? []).filter((n) => n.type === 'review');
  const dateFields = Object.entries((formDef.data?.body ?? formDef.data?.draft)?.schema?.properties ?? {}).filter(([, s]) => s.format === 'date');

  const duration = { pattern: DURATION_RE, message: t('reminderEditor.durationPattern') };
  const tzRule = { validator: (_: unknown, v?: string) => (!v || isTimeZone(v) ? Promise.resolve() : Promise.reject(new Error(t('reminderEditor.badTimeZone')))) };

  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={initial}
      onValuesChange={(_, all) => onChange(valuesToDoc({ ...initial, ...(all as ReminderValues) }, doc))}
      data-testid="reminder-form"
    >
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Form.Item name="name" label={t('defs.name')}>
            <TextInputs onChange={() => undefined} testid="reminder-name" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="description" label={t('defs.description')}>
            <TextInputs onChange={() => undefined} />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="flow" label={t('reminderEditor.flow')} rules={[{ required: true, message: t('reminderEditor.flowRequired') }]}>
            <Select
              showSearch
              data-testid="reminder-flow"
              options={(flows.data?.items ?? []).map((f) => ({ value: f.key, label: `${pick(f.name) || f.key} (${f.key})` }))}
            />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="deadline_field" label={t('reminderEditor.deadlineField')} help={t('reminderEditor.deadlineFieldHelp')}>
            <AutoComplete allowClear options={dateFields.map(([k, s]) => ({ value: k, label: `${pick(s.title) || k} (${k})` }))} />
          </Form.Item>
        </Col>
      </Row>

      <Divider titlePlacement="start">{t('reminderEditor.rules')}</Divider>
      <Form.List name="rules">
        {(fields, { add, remove }) => (
          <Flex vertical gap={12}>
            {fields.map((f) => (
              <RuleCard key={f.key} name={f.name} onRemove={() => remove(f.name)} nodes={reviewNodes.map((n) => ({ value: n.id, label: `${pick(n.name) || n.id} (${n.id})` }))} roles={(roles.data?.items ?? []).map((r) => ({ value: r.key, label: `${pick(r.name) || r.key} (${r.key})` }))} duration={duration} />
            ))}
            <Button icon={<PlusOutlined />} onClick={() => add({ node: '', escalate: 'none' })} data-testid="reminder-add-rule" style={{ alignSelf: 'flex-start' }}>
              {t('reminderEditor.addRule')}
            </Button>
          </Flex>
        )}
      </Form.List>

      <Divider titlePlacement="start">{t('reminderEditor.calendar')}</Divider>
      <Form.Item name="calendar_on" valuePropName="checked" label={t('reminderEditor.calendarOn')} help={t('reminderEditor.calendarHelp')}>
        <Switch data-testid="reminder-calendar-on" />
      </Form.Item>
      {calendarOn && (
        <Row gutter={16}>
          <Col xs={24} md={8}>
            <Form.Item name="time_zone" label={t('reminderEditor.timeZone')} rules={[{ required: true, message: t('reminderEditor.badTimeZone') }, tzRule]}>
              <AutoComplete options={TIME_ZONES.map((z) => ({ value: z }))} data-testid="reminder-tz" />
            </Form.Item>
          </Col>
          <Col xs={24} md={16}>
            <Form.Item name="weekdays" label={t('reminderEditor.weekdays')} help={t('reminderEditor.weekdaysHelp')}>
              <Checkbox.Group options={WEEKDAYS.map((d) => ({ value: d, label: t(`reminderEditor.day.${d}`) }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="hours_on" valuePropName="checked" label={t('reminderEditor.hoursOn')}>
              <Switch />
            </Form.Item>
          </Col>
          {hoursOn && (
            <>
              <Col xs={12} md={8}>
                <Form.Item name="hours_start" label={t('reminderEditor.hoursStart')} rules={[{ required: true, pattern: HHMM_RE, message: 'HH:MM' }]}>
                  <Input placeholder="09:00" />
                </Form.Item>
              </Col>
              <Col xs={12} md={8}>
                <Form.Item name="hours_end" label={t('reminderEditor.hoursEnd')} rules={[{ required: true, pattern: HHMM_END_RE, message: 'HH:MM' }]}>
                  <Input placeholder="18:00" />
                </Form.Item>
              </Col>
            </>
          )}
          <Col span={24}>
            <Form.Item
              name="holidays"
              label={t('reminderEditor.holidays')}
              help={t('reminderEditor.holidaysHelp')}
              rules={[{ validator: (_, v?: string[]) => ((v ?? []).every((d) => DATE_RE.test(d) && dayjs(d).isValid()) ? Promise.resolve() : Promise.reject(new Error(t('reminderEditor.badDate')))) }]}
            >
              <Select mode="tags" tokenSeparators={[',', ' ']} placeholder="2026-01-01" />
            </Form.Item>
          </Col>
        </Row>
      )}

      <Divider titlePlacement="start">{t('reminderEditor.schedules')}</Divider>
      <Form.List name="schedules">
        {(fields, { add, remove }) => (
          <Flex vertical gap={12}>
            {fields.map((f) => (
              <ScheduleCard key={f.key} name={f.name} onRemove={() => remove(f.name)} fallbackTz={calendarOn && calendarTz ? calendarTz : 'UTC'} tzRule={tzRule} />
            ))}
            <Button
              icon={<PlusOutlined />}
              style={{ alignSelf: 'flex-start' }}
              onClick={() => add({ key: `digest-${fields.length + 1}`, cron: '30 8 * * 1-5', action: 'digest' })}
              data-testid="reminder-add-schedule"
            >
              {t('reminderEditor.addSchedule')}
            </Button>
          </Flex>
        )}
      </Form.List>
    </Form>
  );
}

type Options = { value: string; label: string }[];

function RuleCard({ name, onRemove, nodes, roles, duration }: { name: number; onRemove: () => void; nodes: Options; roles: Options; duration: { pattern: RegExp; message: string } }) {
  const { t } = useTranslation();
  const form = Form.useFormInstance();
  const escalate = Form.useWatch(['rules', name, 'escalate'], form);
  const remindAfter = Form.useWatch(['rules', name, 'remind_after'], form);
  const autoAfter = Form.useWatch(['rules', name, 'auto_after'], form);
  return (
    <Card
      size="small"
      data-testid={`reminder-rule-${name}`}
      title={
        <Form.Item name={[name, 'node']} noStyle rules={[{ required: true, message: t('reminderEditor.nodeRequired') }]}>
          <AutoComplete options={nodes} placeholder={t('reminderEditor.node')} style={{ width: 280 }} data-testid={`reminder-rule-${name}-node`} />
        </Form.Item>
      }
      extra={<Button type="text" danger icon={<MinusCircleOutlined />} onClick={onRemove} aria-label={t('reminderEditor.removeRule')} />}
    >
      <Row gutter={12}>
        <Col xs={24} md={8}>
          <Form.Item name={[name, 'remind_after']} label={t('reminderEditor.remindAfter')} rules={[duration]}>
            <Input placeholder="2h" data-testid={`reminder-rule-${name}-remind_after`} />
          </Form.Item>
        </Col>
        <Col xs={12} md={8}>
          <Form.Item name={[name, 'repeat_every']} label={t('reminderEditor.repeatEvery')} rules={[duration]}>
            <Input placeholder="2h" disabled={!remindAfter} />
          </Form.Item>
        </Col>
        <Col xs={12} md={8}>
          <Form.Item name={[name, 'max_times']} label={t('reminderEditor.maxTimes')}>
            <InputNumber min={1} max={100} disabled={!remindAfter} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item name={[name, 'escalate']} label={t('reminderEditor.escalate')}>
            <Radio.Group
              optionType="button"
              options={[
                { value: 'none', label: t('reminderEditor.escalateNone') },
                { value: 'role', label: t('reminderEditor.escalateRole') },
                { value: 'manager', label: t('reminderEditor.escalateManager') },
              ]}
            />
          </Form.Item>
        </Col>
        {escalate && escalate !== 'none' && (
          <>
            <Col xs={12} md={4}>
              <Form.Item name={[name, 'escalate_after']} label={t('reminderEditor.escalateAfter')} rules={[{ required: true, message: t('reminderEditor.durationPattern') }, duration]}>
                <Input placeholder="1d" />
              </Form.Item>
            </Col>
            {escalate === 'role' ? (
              <>
                <Col xs={12} md={5}>
                  <Form.Item name={[name, 'escalate_role']} label={t('reminderEditor.role')} rules={[{ required: true, message: t('reminderEditor.roleRequired') }]}>
                    <Select showSearch options={roles} />
                  </Form.Item>
                </Col>
                <Col xs={12} md={4}>
                  <Form.Item name={[name, 'escalate_department']} label={t('reminderEditor.department')}>
                    <Input placeholder={t('reminderEditor.departmentPlaceholder')} />
                  </Form.Item>
                </Col>
              </>
            ) : (
              <Col xs={12} md={5}>
                <Form.Item name={[name, 'manager_levels']} label={t('reminderEditor.managerLevels')}>
                  <InputNumber min={1} max={5} placeholder="1" style={{ width: '100%' }} />
                </Form.Item>
              </Col>
            )}
            <Col xs={12} md={3}>
              <Form.Item name={[name, 'reassign']} valuePropName="checked" label={t('reminderEditor.reassign')} tooltip={t('reminderEditor.reassignHelp')}>
                <Switch />
              </Form.Item>
            </Col>
          </>
        )}
        <Col xs={12} md={8}>
          <Form.Item name={[name, 'auto_after']} label={t('reminderEditor.autoAfter')} rules={[duration]}>
            <Input placeholder="5d" />
          </Form.Item>
        </Col>
        <Col xs={12} md={8}>
          <Form.Item name={[name, 'auto_action']} label={t('reminderEditor.autoAction')} rules={[{ required: !!autoAfter, message: t('reminderEditor.autoActionRequired') }]}>
            <Select
              allowClear
              disabled={!autoAfter}
              options={(['approve', 'reject', 'return'] as const).map((a) => ({ value: a, label: t(`reminderEditor.action.${a}`) }))}
            />
          </Form.Item>
        </Col>
      </Row>
    </Card>
  );
}

function ScheduleCard({ name, onRemove, fallbackTz, tzRule }: { name: number; onRemove: () => void; fallbackTz: string; tzRule: object }) {
  const { t } = useTranslation();
  const form = Form.useFormInstance();
  const cron = Form.useWatch(['schedules', name, 'cron'], form) as string | undefined;
  const tz = (Form.useWatch(['schedules', name, 'time_zone'], form) as string | undefined) || fallbackTz;
  // the server reads the spec (the parser publishing uses); its word on the time zone is shown by that field
  const check = useSchedulePreview(cron, tz);
  const answer = cron?.trim() ? check.data : undefined;
  const knownTz = isTimeZone(tz);
  const preview = {
    runs: answer?.ok && knownTz ? answer.next : [],
    error: !knownTz
      ? t('reminderEditor.badTimeZone')
      : check.isError
      ? t('reminderEditor.previewFailed')
      : answer && !answer.ok
        ? answer.errors[0]?.pointer === '/time_zone'
          ? t('reminderEditor.badTimeZone')
          : answer.errors[0]?.message
        : undefined,
  };
  return (
    <Card size="small" data-testid={`reminder-schedule-${name}`} extra={<Button type="text" danger icon={<MinusCircleOutlined />} onClick={onRemove} aria-label={t('reminderEditor.removeSchedule')} />}>
      <Row gutter={12}>
        <Col xs={24} md={6}>
          <Form.Item name={[name, 'key']} label={t('defs.key')} rules={[{ required: true, pattern: /^[a-z][a-z0-9_-]{0,63}$/, message: t('defs.keyPattern') }]}>
            <Input />
          </Form.Item>
        </Col>
        <Col xs={24} md={6}>
          <Form.Item name={[name, 'cron']} label={t('reminderEditor.cron')} rules={[{ required: true }]} validateStatus={preview.error ? 'warning' : undefined} help={preview.error}>
            <Input placeholder="30 8 * * 1-5" style={{ fontFamily: 'monospace' }} data-testid={`reminder-schedule-${name}-cron`} />
          </Form.Item>
        </Col>
        <Col xs={24} md={6}>
          <Form.Item name={[name, 'time_zone']} label={t('reminderEditor.timeZone')} rules={[tzRule]} help={t('reminderEditor.scheduleTzHelp', { tz: fallbackTz })}>
            <AutoComplete allowClear options={TIME_ZONES.map((z) => ({ value: z }))} />
          </Form.Item>
        </Col>
        <Col xs={24} md={6}>
          <Form.Item name={[name, 'action']} label={t('reminderEditor.scheduleAction')}>
            <Select options={[{ value: 'digest', label: t('reminderEditor.digest') }]} />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name={[name, 'name']} label={t('defs.name')}>
            <TextInputs onChange={() => undefined} />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Typography.Text type="secondary">{t('reminderEditor.nextRuns', { tz })}</Typography.Text>
          <ul style={{ margin: '4px 0 0', paddingInlineStart: 18 }} data-testid={`reminder-schedule-${name}-next`}>
            {preview.runs.map((d) => (
              <li key={d}>{dayjs(d).tz(tz).format('YYYY-MM-DD (dd) HH:mm')}</li>
            ))}
          </ul>
        </Col>
      </Row>
    </Card>
  );
}
