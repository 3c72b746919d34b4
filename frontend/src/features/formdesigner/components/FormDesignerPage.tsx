import { useMemo, useState } from 'react';
import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  closestCenter,
  pointerWithin,
  type CollisionDetection,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
  type DragEndEvent,
  type DragStartEvent,
} from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { Alert, App, Button, Card, Empty, Flex, Skeleton, Space, Tabs, Tag, Typography } from 'antd';
import {
  ArrowLeftOutlined,
  CalculatorOutlined,
  CalendarOutlined,
  DollarOutlined,
  FieldNumberOutlined,
  FontSizeOutlined,
  HolderOutlined,
  PaperClipOutlined,
  SaveOutlined,
  SendOutlined,
  ShoppingCartOutlined,
  UnorderedListOutlined,
  UserOutlined,
  CodeOutlined,
} from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useForbidden } from '../../auth';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { isApiError, type FieldError } from '../../../lib/api';
import { useLang } from '../../../i18n/useLang';
import { OrderForm } from '../../orders';
import type { FormDef } from '../../../lib/types';
import { opening, useDef, usePublish, useSaveDraft } from '../../definitions';
import { JsonTab } from '../../definitions';
import { PreviewBoundary } from '../../definitions';
import { ServerErrors } from '../../definitions';
import { FIELD_KINDS, docToModel, localProblems, modelToDoc, move, newField, pointerField, type DesignerField, type FieldKind, type FormDoc, type FormModel } from '../lib/model';
import { FieldProperties } from './FieldProperties';
import { TextInputs } from '../../../components/TextInputs';
import { useDefinitionDraft } from '../../../lib/useDefinitionDraft';

type PaletteKind = Exclude<FieldKind, 'raw'>;
const ICONS: Record<FieldKind, React.ReactNode> = {
  text: <FontSizeOutlined />,
  number: <FieldNumberOutlined />,
  money: <DollarOutlined />,
  date: <CalendarOutlined />,
  select: <UnorderedListOutlined />,
  customer: <UserOutlined />,
  lineItems: <ShoppingCartOutlined />,
  attachment: <PaperClipOutlined />,
  computed: <CalculatorOutlined />,
  raw: <CodeOutlined />,
};
const PALETTE_PREFIX = 'palette:';
const CANVAS_ID = 'fd-canvas';

// a palette item lands where the pointer is (a field: before it; the canvas: at the end; elsewhere: nowhere);
// a field being reordered goes to the closest field
const collision: CollisionDetection = (args) => {
  if (String(args.active.id).startsWith(PALETTE_PREFIX)) {
    const hits = pointerWithin(args);
    const fields = hits.filter((h) => h.id !== CANVAS_ID);
    return fields.length ? fields : hits;
  }
  return closestCenter({ ...args, droppableContainers: args.droppableContainers.filter((c) => c.id !== CANVAS_ID) });
};

/** Route /designer/forms/:key — loads the draft (else the published version, else a new form). */
export function FormDesignerPage() {
  const { key = '' } = useParams();
  const forbidden = useForbidden('definitions.manage');
  const def = useDef<FormDoc>('forms', key);
  if (forbidden) return forbidden;
  const { loading, failed, view } = opening(def);
  if (loading) return <Skeleton active />;
  if (failed) return <ErrorAlert error={failed} onRetry={() => void def.refetch()} />;
  let initial: FormModel = { key, fields: [] };
  let info = { version: 0, hasDraft: false };
  if (view) {
    const doc = view.draft ?? view.body;
    if (doc) initial = docToModel(doc);
    info = { version: view.version, hasDraft: !!view.draft };
  }
  return <FormDesigner key={key} initial={initial} info={info} />;
}

interface ServerState {
  byKey: Record<string, string[]>;
  general: FieldError[];
  title?: string;
}

function FormDesigner({ initial, info }: { initial: FormModel; info: { version: number; hasDraft: boolean } }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [model, setModel] = useState<FormModel>(initial);
  const [selected, setSelected] = useState<string | undefined>(initial.fields[0]?.id);
  const [server, setServer] = useState<ServerState>();
  const [dragging, setDragging] = useState<string>();
  const [previewData, setPreviewData] = useState<Record<string, unknown>>({});
  const save = useSaveDraft<FormDoc>('forms');
  const publish = usePublish('forms');
  const doc = useMemo(() => modelToDoc(model), [model]);
  const problems = useMemo(() => localProblems(model), [model]);

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  const update = (id: string, f: DesignerField) => setModel((m) => ({ ...m, fields: m.fields.map((x) => (x.id === id ? f : x)) }));
  const remove = (id: string) => {
    setModel((m) => ({ ...m, fields: m.fields.filter((x) => x.id !== id) }));
    if (selected === id) setSelected(undefined);
  };
  const addAt = (kind: PaletteKind, index?: number) => {
    const f = newField(model, kind);
    setModel((m) => {
      const fields = m.fields.slice();
      fields.splice(index ?? fields.length, 0, f);
      return { ...m, fields };
    });
    setSelected(f.id);
  };

  const onDragStart = (e: DragStartEvent) => setDragging(String(e.active.id));
  const onDragEnd = (e: DragEndEvent) => {
    setDragging(undefined);
    const active = String(e.active.id);
    const over = e.over ? String(e.over.id) : undefined;
    if (!over) return;
    const overIndex = model.fields.findIndex((f) => f.id === over);
    if (active.startsWith(PALETTE_PREFIX)) {
      addAt(active.slice(PALETTE_PREFIX.length) as PaletteKind, overIndex >= 0 ? overIndex : undefined);
      return;
    }
    const from = model.fields.findIndex((f) => f.id === active);
    if (from >= 0 && overIndex >= 0 && from !== overIndex) setModel((m) => ({ ...m, fields: move(m.fields, from, overIndex) }));
  };

  const onServerError = (err: unknown, sent: FormDoc) => {
    if (!isApiError(err)) {
      setServer({ byKey: {}, general: [], title: err instanceof Error ? err.message : String(err) });
      return;
    }
    const byKey: Record<string, string[]> = {};
    const general: FieldError[] = [];
    for (const fe of err.fieldErrors) {
      const k = pointerField(fe.pointer, sent);
      if (k) (byKey[k] ??= []).push(fe.message);
      else general.push(fe);
    }
    setServer({ byKey, general, title: err.detail ? `${t('defs.saveFailed')}: ${err.detail}` : t('defs.saveFailed') });
    const first = model.fields.find((f) => byKey[f.key]);
    if (first) setSelected(first.id);
  };

  const { dirty, status, saveDraft: doSave, publish: doPublish } = useDefinitionDraft<FormModel, FormDoc>({
    value: model,
    toBody: modelToDoc,
    saved: initial,
    status: info,
    save: save.mutateAsync,
    publish: (d) => publish.mutateAsync(d.key),
    onSaved: () => setServer(undefined),
    onSaveError: onServerError,
    onPublishError: onServerError,
  });
  const onSave = async () => {
    if (await doSave()) void message.success(t('defs.saved'));
  };
  const onPublish = async () => {
    const version = await doPublish();
    if (version === undefined) return;
    setServer(undefined);
    void message.success(t('defs.published', { version }));
  };

  const selectedField = model.fields.find((f) => f.id === selected);
  const previewForm: FormDef = { key: doc.key, version: 0, name: doc.name, schema: doc.schema, ui: doc.ui, computed: doc.computed };
  const hasProblems = Object.keys(problems).length > 0;

  return (
    <Flex vertical gap={12}>
      <Card size="small">
        <Flex justify="space-between" align="center" wrap gap={8}>
          <Space wrap>
            <Link to="/designer/forms">
              <ArrowLeftOutlined /> {t('formDesigner.title')}
            </Link>
            <Typography.Title level={4} style={{ margin: 0 }}>
              {pick(model.name) || model.key} <Typography.Text code>{model.key}</Typography.Text>
            </Typography.Title>
            <span data-testid="fd-status">
              {status.version > 0 ? <Tag color="green">{t('defs.versionN', { version: status.version })}</Tag> : <Tag>{t('defs.unpublished')}</Tag>}
              {status.hasDraft && <Tag color="orange">{t('defs.hasDraft')}</Tag>}
              {dirty && <Tag color="gold">{t('defs.unsaved')}</Tag>}
            </span>
          </Space>
          <Space>
            <Button icon={<SaveOutlined />} onClick={() => void onSave()} loading={save.isPending} disabled={hasProblems} data-testid="fd-save">
              {t('defs.saveDraft')}
            </Button>
            <Button type="primary" icon={<SendOutlined />} onClick={() => void onPublish()} loading={publish.isPending} disabled={hasProblems || !model.fields.length} data-testid="fd-publish">
              {t('defs.publish')}
            </Button>
          </Space>
        </Flex>
      </Card>
      {server && <ServerErrors title={server.title} errors={server.general} />}
      <DndContext sensors={sensors} collisionDetection={collision} onDragStart={onDragStart} onDragEnd={onDragEnd} onDragCancel={() => setDragging(undefined)}>
        <Flex gap={12} align="flex-start">
          <Card size="small" title={t('formDesigner.palette')} style={{ width: 180, flex: 'none' }}>
            <Flex vertical gap={6}>
              {FIELD_KINDS.map((k) => (
                <PaletteItem key={k} kind={k} onAdd={() => addAt(k)} />
              ))}
            </Flex>
            <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 8, marginBottom: 0 }}>
              {t('formDesigner.paletteHint')}
            </Typography.Paragraph>
          </Card>
          <Canvas
            fields={model.fields}
            selected={selected}
            onSelect={setSelected}
            problems={problems}
            serverErrors={server?.byKey ?? {}}
          />
          <Card size="small" title={t('formDesigner.properties')} style={{ width: 340, flex: 'none' }}>
            {selectedField ? (
              <FieldProperties
                key={selectedField.id}
                field={selectedField}
                problems={problems[selectedField.id] ?? []}
                serverErrors={server?.byKey[selectedField.key] ?? []}
                onChange={(f) => update(selectedField.id, f)}
                onRemove={() => remove(selectedField.id)}
              />
            ) : (
              <Flex vertical gap={8}>
                <Typography.Text strong>{t('formDesigner.formName')}</Typography.Text>
                <TextInputs value={model.name} onChange={(name) => setModel((m) => ({ ...m, name }))} testid="fd-form-name" />
                <Typography.Text strong>{t('formDesigner.formDescription')}</Typography.Text>
                <TextInputs value={model.description} onChange={(description) => setModel((m) => ({ ...m, description }))} />
                <Typography.Text type="secondary">{t('formDesigner.selectField')}</Typography.Text>
              </Flex>
            )}
          </Card>
        </Flex>
        <DragOverlay dropAnimation={null}>
          {dragging?.startsWith(PALETTE_PREFIX) ? (
            <Tag icon={ICONS[dragging.slice(PALETTE_PREFIX.length) as FieldKind]} color="blue" style={{ padding: '4px 10px', cursor: 'grabbing' }}>
              {t(`formDesigner.kind.${dragging.slice(PALETTE_PREFIX.length)}`)}
            </Tag>
          ) : null}
        </DragOverlay>
      </DndContext>
      <Card size="small">
        <Tabs
          items={[
            {
              key: 'preview',
              label: t('formDesigner.preview'),
              children: (
                <div data-testid="fd-preview">
                  {model.fields.length ? (
                    <PreviewBoundary title={t('formDesigner.previewBroken')} resetKey={doc}>
                      <OrderForm form={previewForm} formData={previewData} onChange={setPreviewData} onSubmit={() => void message.info(t('formDesigner.previewValid'))}>
                        <Button htmlType="submit" data-testid="fd-preview-check">
                          {t('formDesigner.previewCheck')}
                        </Button>
                      </OrderForm>
                    </PreviewBoundary>
                  ) : (
                    <Empty description={t('formDesigner.empty')} />
                  )}
                </div>
              ),
            },
            {
              key: 'json',
              label: 'JSON',
              children: (
                <JsonTab
                  value={doc}
                  testid="fd-json"
                  onApply={(v) => {
                    const d = v as FormDoc;
                    if (!d || typeof d !== 'object' || !d.schema || typeof d.schema !== 'object') return t('formDesigner.jsonNotForm');
                    if (d.key !== model.key) return t('defs.jsonKeyMismatch', { key: model.key });
                    setModel(docToModel(d));
                    setSelected(undefined);
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

function PaletteItem({ kind, onAdd }: { kind: PaletteKind; onAdd: () => void }) {
  const { t } = useTranslation();
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: `${PALETTE_PREFIX}${kind}` });
  return (
    <div
      ref={setNodeRef}
      {...listeners}
      {...attributes}
      onDoubleClick={onAdd}
      data-testid={`fd-palette-${kind}`}
      title={t('formDesigner.paletteItemHint')}
      style={{
        border: '1px dashed #91caff',
        borderRadius: 6,
        padding: '4px 8px',
        background: isDragging ? '#e6f4ff' : '#fff',
        cursor: 'grab',
        userSelect: 'none',
        touchAction: 'none',
        fontSize: 13,
      }}
    >
      {ICONS[kind]} <span style={{ marginInlineStart: 4 }}>{t(`formDesigner.kind.${kind}`)}</span>
    </div>
  );
}

function Canvas({
  fields,
  selected,
  onSelect,
  problems,
  serverErrors,
}: {
  fields: DesignerField[];
  selected?: string;
  onSelect: (id: string | undefined) => void;
  problems: Record<string, string[]>;
  serverErrors: Record<string, string[]>;
}) {
  const { t } = useTranslation();
  const { setNodeRef, isOver } = useDroppable({ id: CANVAS_ID });
  return (
    <Card size="small" title={t('formDesigner.canvas')} style={{ flex: 1, minWidth: 280 }}>
      <div
        ref={setNodeRef}
        data-testid="fd-canvas"
        onClick={(e) => e.target === e.currentTarget && onSelect(undefined)}
        style={{
          minHeight: 320,
          padding: 8,
          borderRadius: 8,
          border: `2px dashed ${isOver ? '#1677ff' : '#d9d9d9'}`,
          background: isOver ? '#f0f7ff' : '#fafafa',
          display: 'flex',
          flexDirection: 'column',
          gap: 8,
        }}
      >
        <SortableContext items={fields.map((f) => f.id)} strategy={verticalListSortingStrategy}>
          {fields.map((f) => (
            <FieldCard
              key={f.id}
              field={f}
              selected={f.id === selected}
              onSelect={() => onSelect(f.id)}
              errors={[...(problems[f.id] ?? []).map((c) => t(`formDesigner.problem.${c}`)), ...(serverErrors[f.key] ?? [])]}
            />
          ))}
        </SortableContext>
        {!fields.length && (
          <Flex flex={1} align="center" justify="center" style={{ color: '#8c8c8c', minHeight: 280, pointerEvents: 'none' }}>
            {t('formDesigner.dropHere')}
          </Flex>
        )}
      </div>
    </Card>
  );
}

function FieldCard({ field, selected, onSelect, errors }: { field: DesignerField; selected: boolean; onSelect: () => void; errors: string[] }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id: field.id });
  const border = errors.length ? '#ff4d4f' : selected ? '#1677ff' : '#d9d9d9';
  return (
    <div
      ref={setNodeRef}
      onClick={onSelect}
      data-testid={`fd-field-${field.key}`}
      data-error={errors.length ? 'true' : 'false'}
      style={{
        transform: CSS.Transform.toString(transform),
        transition,
        opacity: isDragging ? 0.5 : 1,
        background: '#fff',
        border: `1px solid ${border}`,
        boxShadow: selected ? '0 0 0 2px rgba(22,119,255,.2)' : undefined,
        borderRadius: 6,
        padding: '6px 8px',
        cursor: 'pointer',
      }}
    >
      <Flex align="center" gap={8}>
        <span {...listeners} {...attributes} data-testid={`fd-handle-${field.key}`} style={{ cursor: 'grab', color: '#8c8c8c', touchAction: 'none' }} aria-label={t('formDesigner.dragToReorder')}>
          <HolderOutlined />
        </span>
        {ICONS[field.kind]}
        <strong>{pick(field.title) || (typeof field.schema?.title === 'string' ? field.schema.title : '') || field.key}</strong>
        {field.required && <span style={{ color: '#ff4d4f' }}>*</span>}
        <Typography.Text code style={{ fontSize: 12 }}>
          {field.key}
        </Typography.Text>
        <span style={{ marginInlineStart: 'auto' }}>
          <Tag>{t(`formDesigner.kind.${field.kind}`)}</Tag>
        </span>
      </Flex>
      {errors.map((m, i) => (
        <Alert key={i} type="error" title={m} style={{ marginTop: 4, padding: '0 8px' }} data-testid="fd-field-error" />
      ))}
    </div>
  );
}
