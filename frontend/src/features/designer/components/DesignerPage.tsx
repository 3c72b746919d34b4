import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  Background,
  ControlButton,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type NodeChange,
  type OnDelete,
} from '@xyflow/react';
import { useFlowLabels } from '../../../components/useFlowLabels';
import '@xyflow/react/dist/style.css';
import { App, Button, Card, Empty, Flex, Grid, Popconfirm, Skeleton, Space, Tag, Tooltip, Typography } from 'antd';
import {
  ApartmentOutlined,
  CopyOutlined,
  ExperimentOutlined,
  RedoOutlined,
  SaveOutlined,
  SendOutlined,
  SnippetsOutlined,
  UndoOutlined,
  ArrowLeftOutlined,
  PictureOutlined,
} from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { useForbidden } from '../../auth';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { isApiError, type FieldError } from '../../../lib/api';
import { useLang } from '../../../i18n/useLang';
import { useDefinition, usePublishFlow, useSaveFlowDraft, useSimulateFlow } from '../api/definitions';
import { usePlugins } from '../api/plugins';
import { palettePlugins, pluginNode, type PluginInfo } from '../lib/plugins';
import {
  NODE_TYPES,
  addEdge,
  addNode,
  cloneNode,
  cleanNode,
  defaultNode,
  docToGraph,
  edgeIndex,
  newFlowDoc,
  removeEdges,
  removeNode,
  updateEdge,
  updateNode,
  type CanvasEdge,
  type CanvasNode,
  type FlowDoc,
  type FlowEdge,
  type FlowNode,
  type NodeType,
  type Positions,
} from '../lib/document';
import { canRedo, canUndo, initHistory, pushHistory, redo, undo, type History } from '../lib/history';
import { attachBelow, layoutDoc } from '../lib/layout';
import { mapErrors, problemTarget, type MappedErrors } from '../lib/errors';
import { NODE_H, NODE_W } from '../lib/layout';
import { ProblemList } from './ProblemList';
import { readRefusal, refusalHighlights, type FlowRefusal } from '../lib/flowcheck';
import { loadPositions, savePositions } from '../lib/positions';
import { pathOnGraph, type SimOrder, type SimulateResponse } from '../lib/simulate';
import { FlowNodeView, NODE_COLORS } from './FlowNodeView';
import { NodePanel } from './NodePanel';
import { EdgePanel } from './EdgePanel';
import { FlowPanel } from './FlowPanel';
import { SimulateModal } from './SimulateModal';
import { SimulationResults } from './SimulationResults';
import { FlowCheckPanel } from './FlowCheckPanel';
import { useDefinitionDraft } from '../../../lib/useDefinitionDraft';
import { opening, useDef, usePublish, useSaveDraft } from '../../definitions';
import { ApiError } from '../../../lib/api';
import { elkLayout } from '../lib/elkLayout';
import { moveRule, newSla, setRule, slaErrorsOnFlow, slaFor, type SlaDoc } from '../lib/sla';

const nodeTypes = { flow: FlowNodeView };
const DND_TYPE = 'application/x-sluice-node';
const DND_PLUGIN = 'application/x-sluice-plugin';

type Selection = { kind: 'node'; id: string } | { kind: 'edge'; index: number } | null;

/** Route /designer/flows/:key — loads the draft (else the published version) and opens the editor. */
export function DesignerPage() {
  const { key = '' } = useParams();
  const [params] = useSearchParams();
  const forbidden = useForbidden('definitions.manage');
  const def = useDefinition('flows', key);
  // the flow's SLA: the reminder definition with the flow's key, if there is one
  const reminder = useDef<SlaDoc>('reminders', key);
  const flow = opening(def);
  const sla = opening(reminder);

  if (forbidden) return forbidden;
  if (flow.loading || (sla.loading && reminder.fetchStatus !== 'idle')) return <Skeleton active />;
  if (sla.failed) return <ErrorAlert error={sla.failed} onRetry={() => void reminder.refetch()} />;
  let initial: FlowDoc | undefined;
  let info: { version: number; hasDraft: boolean; isNew: boolean } = { version: 0, hasDraft: false, isNew: false };
  if (flow.failed) return <ErrorAlert error={flow.failed} onRetry={() => void def.refetch()} />;
  if (!flow.view) {
    const name = params.get('name');
    initial = newFlowDoc(key, params.get('form') || 'order', name ? { 'zh-TW': name, 'zh-CN': name, en: name } : undefined);
    info = { version: 0, hasDraft: false, isNew: true };
  } else {
    initial = (flow.view.draft ?? flow.view.body) as FlowDoc | undefined;
    info = { version: flow.view.version, hasDraft: !!flow.view.draft, isNew: false };
    if (!initial) initial = newFlowDoc(key, 'order');
  }
  return (
    <ReactFlowProvider>
      <Designer key={key} flowKey={key} initial={initial} info={info} initialSla={(sla.view?.draft ?? sla.view?.body) as SlaDoc | undefined} slaHasDraft={!!sla.view?.draft} />
    </ReactFlowProvider>
  );
}

interface DesignerProps {
  flowKey: string;
  initial: FlowDoc;
  info: { version: number; hasDraft: boolean; isNew: boolean };
  /** The SLA reminder as the server has it (its draft, else its published body); none yet when undefined. */
  initialSla?: SlaDoc;
  slaHasDraft: boolean;
}

/** What the designer saves: the flow and the SLA of its review nodes (a reminder with the flow's key). */
interface Saved {
  key: string;
  flow: FlowDoc;
  sla: SlaDoc;
}

function Designer({ flowKey, initial, info, initialSla, slaHasDraft }: DesignerProps) {
  const { t } = useTranslation();
  const flowLabels = useFlowLabels();
  const { pick } = useLang();
  const { message } = App.useApp();
  const rf = useReactFlow<CanvasNode, CanvasEdge>();
  // a phone has no room for three columns: the canvas first, the palette and the properties below it
  const narrow = Grid.useBreakpoint().md === false;
  const [hist, setHist] = useState<History<FlowDoc>>(() => initHistory(initial));
  const doc = hist.present;
  const [slaStart] = useState<SlaDoc>(() => initialSla ?? newSla(flowKey));
  const [sla, setSla] = useState<SlaDoc>(slaStart);
  // the reminder as last saved (JSON), and whether it has a draft to publish with the flow
  const slaServer = useRef(initialSla ? JSON.stringify(initialSla) : undefined);
  const slaDraft = useRef(slaHasDraft);
  const [start] = useState(() => ({ doc: initial, sla: slaStart }));
  const value = useMemo(() => (doc === start.doc && sla === start.sla ? start : { doc, sla }), [doc, sla, start]);
  // the minimap only where there is room for it (1280×720 has none), unless the admin toggles it
  const roomy = () => window.innerWidth >= 1440 && window.innerHeight >= 800;
  const [wide, setWide] = useState(roomy);
  const [minimapChoice, setMinimapChoice] = useState<boolean>();
  const minimap = minimapChoice ?? wide;
  useEffect(() => {
    const onResize = () => setWide(roomy());
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  const lastTag = useRef<string | undefined>(undefined);
  const [positions, setPositions] = useState<Positions>(() => {
    const stored = loadPositions(flowKey);
    const auto = layoutDoc(initial);
    return { ...auto, ...stored };
  });
  const [selection, setSelection] = useState<Selection>(null);
  // nodes placed here whose id the admin has not typed: their id follows their name
  const [autoIds, setAutoIds] = useState<ReadonlySet<string>>(() => new Set());
  const markAuto = useCallback((id: string, from?: string) => setAutoIds((s) => new Set([...s].filter((x) => x !== from)).add(id)), []);
  // the properties panel keeps its state (and the admin's click) through a rename
  const [panelKeys, setPanelKeys] = useState<Record<string, string>>({});
  const panelKey = (id: string) => panelKeys[id] ?? id;
  const [clipboard, setClipboard] = useState<FlowNode>();
  const [errors, setErrors] = useState<{ list: FieldError[]; mapped: MappedErrors; edgeRefs: Map<FlowEdge, number>; body: FlowDoc; nodeRefs: Map<string, FlowNode> }>();
  const [simOpen, setSimOpen] = useState(false);
  const [sim, setSim] = useState<{ result: SimulateResponse; selected: number }>();
  // the flow checker's refusal of the last publish, and the step of its counterexample shown on the canvas
  const [check, setCheck] = useState<{ refusal: FlowRefusal; selected?: number }>();
  const save = useSaveFlowDraft();
  const publish = usePublishFlow();
  const saveReminder = useSaveDraft<SlaDoc>('reminders');
  const publishReminder = usePublish('reminders');
  const simulate = useSimulateFlow();
  const pluginsQuery = usePlugins();
  const plugins = pluginsQuery.data;
  const palette = useMemo(() => palettePlugins(plugins, doc), [plugins, doc]);

  /** A new document state; edits with the same tag in a row (keystrokes in one field) make one undo step. */
  const commit = useCallback((next: FlowDoc, tag?: string) => {
    setHist((h) => {
      if (tag && tag === lastTag.current && h.past.length) return { ...h, present: next, future: [] };
      return pushHistory(h, next);
    });
    lastTag.current = tag;
  }, []);

  useEffect(() => savePositions(flowKey, positions), [flowKey, positions]);

  // ----- marks on the graph: server errors and the simulated path -----
  const edited = useCallback((id: string) => !!errors && errors.nodeRefs.get(id) !== doc.nodes.find((n) => n.id === id), [errors, doc]);
  const marks = useMemo(() => {
    // a node edited since the save keeps no marks: its problems may be fixed (the next save says)
    const nodeErrors: Record<string, string[]> = {};
    for (const [id, msgs] of Object.entries(errors?.mapped.nodes ?? {})) if (!edited(id)) nodeErrors[id] = msgs;
    const edgeErrors: Record<number, string[]> = {};
    if (errors) doc.edges.forEach((e, i) => {
      const old = errors.edgeRefs.get(e);
      if (old !== undefined && errors.mapped.edges[old]) edgeErrors[i] = errors.mapped.edges[old];
    });
    const first = sim?.result.results[sim.selected];
    const path = first ? pathOnGraph(doc, first.path) : undefined;
    if (check) {
      // the checker's fault is marked like a server error, the counterexample's route like a simulated path
      const h = refusalHighlights(check.refusal, doc, check.selected);
      const here = t('designer.check.here');
      const withHere = <K extends string | number>(rec: Record<K, string[]>, keys: Set<K>) => {
        const out = { ...rec };
        for (const k of keys) out[k] = [...(out[k] ?? []), here];
        return out;
      };
      return { nodeErrors: withHere(nodeErrors, h.faultNodes), edgeErrors: withHere(edgeErrors, h.faultEdges), pathNodes: h.nodes, pathEdges: h.edges };
    }
    return { nodeErrors, edgeErrors, pathNodes: path?.nodes, pathEdges: path?.edges };
  }, [errors, sim, check, doc, t, edited]);

  const graph = useMemo(() => docToGraph(doc, positions, {}, marks), [doc, positions, marks]);

  // nodes keep React Flow's own state (measured sizes, dragging) between document changes
  const [nodes, setNodes] = useState<CanvasNode[]>(graph.nodes);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- merges the new graph into React Flow's own node state (sizes measured by the canvas), which a derived value would lose
    setNodes((prev) => {
      const byId = new Map(prev.map((n) => [n.id, n]));
      return graph.nodes.map((n) => {
        const p = byId.get(n.id);
        return { ...n, measured: p?.measured, dragging: p?.dragging, selected: selection?.kind === 'node' && selection.id === n.id };
      });
    });
  }, [graph.nodes, selection]);

  const edges: CanvasEdge[] = useMemo(
    () =>
      graph.edges.map((e) => {
        const d = e.data!;
        const err = d.errors?.length;
        const text = pick(d.edge.label) || d.edge.when || (d.edge.outcome ? `⇢ ${d.edge.outcome}` : '') || (d.edge.default ? t('designer.default') : '');
        const color = err ? '#ff4d4f' : d.onPath ? '#faad14' : undefined;
        return {
          ...e,
          selected: selection?.kind === 'edge' && selection.index === d.index,
          label: err ? `${text ? text + ' · ' : ''}⚠ ${d.errors!.join('; ')}` : text || undefined,
          labelStyle: err ? { fill: '#ff4d4f', fontWeight: 600 } : undefined,
          animated: !!d.onPath,
          style: color ? { stroke: color, strokeWidth: 3 } : { strokeWidth: 1.5 },
          markerEnd: { type: MarkerType.ArrowClosed, color: color ?? '#8c8c8c' },
          className: err ? 'designer-edge-error' : d.onPath ? 'designer-edge-path' : undefined,
        };
      }),
    [graph.edges, selection, pick, t],
  );

  const onNodesChange = useCallback((changes: NodeChange<CanvasNode>[]) => {
    const kept = changes.filter((c) => c.type !== 'remove' && c.type !== 'select');
    if (!kept.length) return;
    setNodes((prev) => applyNodeChanges(kept, prev));
    const moved = kept.filter((c) => c.type === 'position' && c.position);
    if (moved.length)
      setPositions((p) => {
        const next = { ...p };
        for (const c of moved) if (c.type === 'position' && c.position) next[c.id] = { x: Math.round(c.position.x), y: Math.round(c.position.y) };
        return next;
      });
  }, []);

  const onDelete: OnDelete<CanvasNode, CanvasEdge> = useCallback(
    ({ nodes: ns, edges: es }) => {
      let next = removeEdges(doc, es.map((e) => edgeIndex(e.id)).filter((i) => i >= 0));
      for (const n of ns) next = removeNode(next, n.id);
      if (next !== doc) commit(next);
      setSelection(null);
    },
    [doc, commit],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target) return;
      const next = addEdge(doc, { from: c.source, to: c.target });
      if (next !== doc) {
        commit(next);
        setSelection({ kind: 'edge', index: next.edges.length - 1 });
      }
    },
    [doc, commit],
  );

  // the fit leaves the controls' and the minimap's corners free, so that they cover no node
  const fitPadding = useMemo(() => ({ top: '24px', left: '64px', bottom: '24px', right: minimap ? '190px' : '24px' }) as const, [minimap]);
  /** Adds `node` at `at` (the view's middle when not given), or after the node `after`: joined to it and placed below it. */
  const place = (node: FlowNode, at?: { x: number; y: number }, after?: string) => {
    let next = addNode(doc, node);
    let moved: Positions;
    if (after) {
      next = addEdge(next, { from: after, to: node.id });
      moved = attachBelow(doc, positions, after, node.id);
    } else {
      const pos = at ?? rf.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 });
      moved = { ...positions, [node.id]: { x: Math.round(pos.x), y: Math.round(pos.y) } };
    }
    setPositions(moved);
    commit(next);
    markAuto(node.id);
    setSelection({ kind: 'node', id: node.id });
    // a node placed out of sight is brought into view
    if (after) setTimeout(() => revealNode(node.id), 60);
  };
  const placeNode = (type: NodeType, at?: { x: number; y: number }, after?: string) => place(defaultNode(doc, type), at, after);
  const placePlugin = (p: PluginInfo, at?: { x: number; y: number }, after?: string) => place(pluginNode(doc, p), at, after);

  /** Fits the view when a node (`id`, or one it pushed down) is not wholly on the canvas or hides under the minimap. */
  const revealNode = (id: string) => {
    const pane = document.querySelector('[data-testid="designer-canvas"]');
    if (!pane || !document.querySelector(`.react-flow__node[data-id="${CSS.escape(id)}"]`)) return;
    const b = pane.getBoundingClientRect();
    const m = document.querySelector('.react-flow__minimap')?.getBoundingClientRect();
    const hidden = [...pane.querySelectorAll('.react-flow__node')].some((el) => {
      const a = el.getBoundingClientRect();
      const under = m && a.left < m.right && a.right > m.left && a.top < m.bottom && a.bottom > m.top;
      return under || a.left < b.left || a.top < b.top || a.right > b.right || a.bottom > b.bottom;
    });
    if (hidden) void rf.fitView({ padding: fitPadding, duration: 200 });
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    // dropped on a node (not an end): the new node follows it
    const hit = (document.elementsFromPoint?.(e.clientX, e.clientY) ?? []).map((el) => el.closest('.react-flow__node')).find(Boolean);
    const onto = hit?.getAttribute('data-id') ?? undefined;
    const after = onto && doc.nodes.some((n) => n.id === onto && n.type !== 'end') ? onto : undefined;
    const at = rf.screenToFlowPosition({ x: e.clientX - 100, y: e.clientY - 20 });
    const pluginName = e.dataTransfer.getData(DND_PLUGIN);
    const p = pluginName ? plugins?.find((x) => x.name === pluginName) : undefined;
    if (p) {
      placePlugin(p, at, after);
      return;
    }
    const type = e.dataTransfer.getData(DND_TYPE) as NodeType;
    if (!(NODE_TYPES as readonly string[]).includes(type)) return;
    placeNode(type, at, after);
  };

  const selectedNode = selection?.kind === 'node' ? doc.nodes.find((n) => n.id === selection.id) : undefined;
  const selectedEdge = selection?.kind === 'edge' ? doc.edges[selection.index] : undefined;

  const doUndo = useCallback(() => {
    lastTag.current = undefined;
    setHist(undo);
  }, []);
  const doRedo = useCallback(() => {
    lastTag.current = undefined;
    setHist(redo);
  }, []);
  const doCopy = useCallback(() => {
    if (selectedNode) {
      setClipboard(selectedNode);
      message.success(t('designer.copied', { id: selectedNode.id }));
    }
  }, [selectedNode, message, t]);
  const doPaste = useCallback(() => {
    if (!clipboard) return;
    const node = cloneNode(doc, clipboard);
    const from = positions[clipboard.id] ?? { x: 0, y: 0 };
    setPositions((p) => ({ ...p, [node.id]: { x: from.x + 40, y: from.y + 40 } }));
    commit(addNode(doc, node));
    setSelection({ kind: 'node', id: node.id });
  }, [clipboard, doc, positions, commit]);
  const doLayout = async () => {
    let next: Positions;
    try {
      next = await elkLayout(doc);
    } catch {
      next = layoutDoc(doc);
    }
    setPositions(next);
    // after React Flow has the new positions
    setTimeout(() => void rf.fitView({ padding: fitPadding, duration: 300 }), 60);
  };

  // keyboard: undo / redo / copy / paste, outside text fields
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName))) return;
      if (!(e.ctrlKey || e.metaKey)) return;
      const k = e.key.toLowerCase();
      if (k === 'z' && !e.shiftKey) doUndo();
      else if ((k === 'z' && e.shiftKey) || k === 'y') doRedo();
      else if (k === 'c') doCopy();
      else if (k === 'v') doPaste();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [doUndo, doRedo, doCopy, doPaste]);

  // ----- server actions -----
  const clean = (d: FlowDoc): FlowDoc => ({ ...d, nodes: d.nodes.map(cleanNode) });

  const { dirty, status, saveDraft, publish: doPublish } = useDefinitionDraft<{ doc: FlowDoc; sla: SlaDoc }, Saved>({
    value,
    toBody: (v) => ({ key: flowKey, flow: clean(v.doc), sla: slaFor(v.sla, v.doc) }),
    // a flow opened from its published version has no draft yet: publishing it again saves one first
    saved: info.hasDraft ? start : undefined,
    status: { version: info.version, hasDraft: info.hasDraft },
    save: async (b) => {
      await save.mutateAsync(b.flow);
      // the SLA after the flow: a reminder draft is checked against the flow's draft
      const text = JSON.stringify(b.sla);
      if (text === slaServer.current || (!slaServer.current && !b.sla.rules)) return;
      try {
        await saveReminder.mutateAsync(b.sla);
      } catch (e) {
        // its problems are the flow's, on the review nodes they are about
        if (isApiError(e)) throw new ApiError(e.status, { ...e.problem, errors: slaErrorsOnFlow(e.fieldErrors, b.flow) });
        throw e;
      }
      slaServer.current = text;
      slaDraft.current = true;
    },
    publish: async () => {
      const r = await publish.mutateAsync(flowKey);
      if (slaDraft.current) {
        try {
          await publishReminder.mutateAsync(flowKey);
          slaDraft.current = false;
        } catch (e) {
          message.error(t('designer.sla.publishFailed', { message: isApiError(e) ? e.fieldErrors[0]?.message || e.detail || e.message : String(e) }));
        }
      }
      return r;
    },
    saveFirst: 'dirty',
    onSaved: () => setErrors(undefined),
    onSaveError: (e, saved) => {
      const body = saved.flow;
      if (isApiError(e) && e.fieldErrors.length) {
        const mapped = mapErrors(e.fieldErrors, body);
        setErrors({ list: e.fieldErrors, mapped, edgeRefs: new Map(doc.edges.map((edge, i) => [edge, i])), body, nodeRefs: new Map(doc.nodes.map((n) => [n.id, n])) });
        const firstNode = Object.keys(mapped.nodes)[0];
        if (firstNode) setSelection({ kind: 'node', id: firstNode });
      } else {
        setErrors(undefined);
        message.error(isApiError(e) ? e.detail || e.message : String(e));
      }
    },
    onPublishError: (e) => {
      // the flow checker's refusal: its reason, fault and counterexample (the pointers index the document published)
      const refusal = isApiError(e) && e.status === 422 ? readRefusal(e.problem, doc) : undefined;
      if (refusal) {
        setErrors(undefined);
        setSim(undefined);
        setCheck({ refusal });
        return;
      }
      setCheck(undefined);
      if (isApiError(e) && e.fieldErrors.length) {
        setErrors({ list: e.fieldErrors, mapped: mapErrors(e.fieldErrors, doc), edgeRefs: new Map(doc.edges.map((edge, i) => [edge, i])), body: doc, nodeRefs: new Map(doc.nodes.map((n) => [n.id, n])) });
      } else message.error(isApiError(e) ? e.detail || e.message : String(e));
    },
  });

  const onSave = async () => {
    if (await saveDraft()) message.success(t('designer.saved'));
  };

  const onSimulate = async (orders: SimOrder[]) => {
    if (dirty && !(await saveDraft())) {
      setSimOpen(false);
      return;
    }
    try {
      const result = await simulate.mutateAsync({ key: flowKey, orders });
      setSim({ result, selected: 0 });
      setCheck(undefined);
      setSimOpen(false);
    } catch (e) {
      message.error(isApiError(e) ? e.detail || e.message : String(e));
    }
  };

  const onPublish = async () => {
    const version = await doPublish();
    if (version === undefined) return;
    setCheck(undefined);
    // said once, without a dialog to close: the header's version tag shows it from now on
    message.success({ content: <span data-testid="publish-result" data-version={version}>{t('designer.publishedVersion', { version })}</span> });
  };

  /** Selects what a problem is about and centres the canvas on it. */
  const jumpTo = (p: FieldError) => {
    if (!errors) return;
    const target = problemTarget(p.pointer, errors.body);
    const centre = (x: number, y: number) => void rf.setCenter(x, y, { zoom: Math.max(rf.getZoom(), 0.9), duration: 300 });
    const middle = (id: string) => {
      const at = positions[id];
      return at ? { x: at.x + NODE_W / 2, y: at.y + NODE_H / 2 } : undefined;
    };
    if (target?.kind === 'node' && doc.nodes.some((n) => n.id === target.id)) {
      setSelection({ kind: 'node', id: target.id });
      const m = middle(target.id);
      if (m) centre(m.x, m.y);
    } else if (target?.kind === 'edge') {
      let i = doc.edges.indexOf(target.edge);
      if (i < 0) i = doc.edges.findIndex((e) => e.from === target.edge.from && e.to === target.edge.to);
      if (i < 0) return;
      setSelection({ kind: 'edge', index: i });
      const a = middle(doc.edges[i].from);
      const b = middle(doc.edges[i].to);
      if (a && b) centre((a.x + b.x) / 2, (a.y + b.y) / 2);
    } else setSelection(null);
  };

  const describePointer = (p: string) => {
    const m = /^\/(nodes|edges)\/(\d+)(.*)$/.exec(p);
    if (!m) return p || '/';
    const i = Number(m[2]);
    const body = errors?.body ?? clean(doc);
    if (m[1] === 'nodes') return `${t('designer.nodeRef', { id: body.nodes[i]?.id ?? i })}${m[3]}`;
    const e = body.edges[i];
    return `${t('designer.edgeRef', { from: e?.from ?? '?', to: e?.to ?? '?' })}${m[3]}`;
  };

  return (
    <Flex vertical gap={12} data-testid="designer" data-flow={flowKey}>
      <Flex align="center" justify="space-between" wrap gap={8}>
        <Space wrap>
          <Link to="/designer/flows">
            <ArrowLeftOutlined /> {t('designer.flows')}
          </Link>
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="designer-title">
            {pick(doc.name) || flowKey}
          </Typography.Title>
          <Tag>{flowKey}</Tag>
          {info.isNew && status.version === 0 && <Tag color="green">{t('designer.new')}</Tag>}
          {status.version > 0 && <Tag color="blue" data-testid="designer-version">{t('designer.versionN', { version: status.version })}</Tag>}
          {status.hasDraft && <Tag color="orange">{t('designer.hasDraft')}</Tag>}
          {dirty && <Tag color="red" data-testid="designer-dirty">{t('designer.unsaved')}</Tag>}
        </Space>
        <Space wrap>
          <Tooltip title="Ctrl+Z">
            <Button icon={<UndoOutlined />} disabled={!canUndo(hist)} onClick={doUndo} data-testid="designer-undo">
              {t('designer.undo')}
            </Button>
          </Tooltip>
          <Tooltip title="Ctrl+Shift+Z">
            <Button icon={<RedoOutlined />} disabled={!canRedo(hist)} onClick={doRedo} data-testid="designer-redo">
              {t('designer.redo')}
            </Button>
          </Tooltip>
          <Button icon={<CopyOutlined />} disabled={!selectedNode} onClick={doCopy} data-testid="designer-copy">
            {t('designer.copy')}
          </Button>
          <Button icon={<SnippetsOutlined />} disabled={!clipboard} onClick={doPaste} data-testid="designer-paste">
            {t('designer.paste')}
          </Button>
          <Button icon={<ApartmentOutlined />} onClick={() => void doLayout()} data-testid="designer-layout">
            {t('designer.autoLayout')}
          </Button>
          <Button type="primary" icon={<SaveOutlined />} loading={save.isPending} onClick={() => void onSave()} data-testid="designer-save">
            {t('designer.saveDraft')}
          </Button>
          <Button icon={<ExperimentOutlined />} onClick={() => setSimOpen(true)} data-testid="designer-simulate">
            {t('designer.simulate')}
          </Button>
          <Popconfirm title={t('designer.publishConfirm')} onConfirm={() => void onPublish()} okButtonProps={{ 'data-testid': 'designer-publish-confirm' } as Record<string, string>}>
            <Button icon={<SendOutlined />} loading={publish.isPending} data-testid="designer-publish">
              {t('designer.publish')}
            </Button>
          </Popconfirm>
        </Space>
      </Flex>

      {errors && <ProblemList problems={errors.list} describe={describePointer} onJump={jumpTo} onClose={() => setErrors(undefined)} />}

      {check && (
        <FlowCheckPanel
          refusal={check.refusal}
          doc={doc}
          selected={check.selected}
          onSelect={(selected) => setCheck({ ...check, selected })}
          onClose={() => setCheck(undefined)}
        />
      )}

      <Flex gap={12} align="stretch" vertical={narrow} style={narrow ? undefined : { height: 'calc(100vh - 200px)', minHeight: 480 }}>
        <Card size="small" title={t('designer.palette')} style={narrow ? { order: 1, maxHeight: 240, overflow: 'auto' } : { width: 170, flex: 'none', overflow: 'auto' }} styles={{ body: { padding: 8 } }}>
          <Flex vertical gap={6} data-testid="designer-palette">
            {NODE_TYPES.map((type) => (
              <div
                key={type}
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData(DND_TYPE, type);
                  e.dataTransfer.effectAllowed = 'move';
                }}
                onDoubleClick={() => placeNode(type)}
                title={t('designer.paletteHint')}
                data-testid={`palette-${type}`}
                style={{ cursor: 'grab', padding: '4px 8px', borderRadius: 6, border: '1px solid #d9d9d9', borderLeft: `5px solid ${NODE_COLORS[type]}`, background: '#fff', userSelect: 'none' }}
              >
                {t(`designer.type.${type}`)}
              </div>
            ))}
            <Typography.Text type="secondary" style={{ fontSize: 12, marginTop: 6 }}>
              {t('designer.plugins')}
            </Typography.Text>
            {pluginsQuery.isError && <Typography.Text type="danger" style={{ fontSize: 12 }}>{t('designer.pluginsFailed')}</Typography.Text>}
            {palette.map((p) => (
              <Tooltip key={p.name} placement="right" title={p.missing ? t('designer.pluginUnknown') : [typeof p.settings_schema.description === 'string' ? p.settings_schema.description : '', p.outcomes.length ? `${t('designer.pluginOutcomes')}: ${p.outcomes.join(', ')}` : ''].filter(Boolean).join(' — ')}>
                <div
                  draggable={!p.missing}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DND_PLUGIN, p.name);
                    e.dataTransfer.setData(DND_TYPE, 'task');
                    e.dataTransfer.effectAllowed = 'move';
                  }}
                  onDoubleClick={() => !p.missing && placePlugin(p)}
                  data-testid={`palette-plugin-${p.name}`}
                  data-missing={p.missing ? 'true' : 'false'}
                  style={{ cursor: p.missing ? 'not-allowed' : 'grab', padding: '4px 8px', borderRadius: 6, border: `1px ${p.missing ? 'dashed' : 'solid'} #d9d9d9`, borderLeft: `5px solid ${NODE_COLORS.task}`, background: '#fff', userSelect: 'none', fontSize: 12, wordBreak: 'break-all', opacity: p.missing ? 0.6 : 1 }}
                >
                  {p.name}
                </div>
              </Tooltip>
            ))}
          </Flex>
        </Card>
        <div style={{ flex: 1, border: '1px solid #f0f0f0', borderRadius: 8, background: '#fafafa', ...(narrow ? { order: 0, flex: 'none', height: '65vh', minHeight: 360 } : {}) }} onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; }} onDrop={onDrop} data-testid="designer-canvas">
          <ReactFlow<CanvasNode, CanvasEdge>
            ariaLabelConfig={flowLabels}
            proOptions={{ hideAttribution: true }}
            // a new canvas when the layout narrows, so that it fits the graph into its new size
            key={narrow ? 'narrow' : 'wide'}
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onDelete={onDelete}
            onConnect={onConnect}
            onNodeClick={(_, n) => setSelection({ kind: 'node', id: n.id })}
            onEdgeClick={(_, e) => setSelection({ kind: 'edge', index: edgeIndex(e.id) })}
            onPaneClick={() => setSelection(null)}
            deleteKeyCode={['Delete', 'Backspace']}
            fitView
            fitViewOptions={{ minZoom: narrow ? 0.2 : 0.5, maxZoom: 1.2, padding: fitPadding }}
            minZoom={0.2}
          >
            <Background />
            <Controls>
              {!narrow && (
                <ControlButton
                  onClick={() => {
                    setMinimapChoice(!minimap);
                    // shown: the view fits again beside it
                    if (!minimap) setTimeout(() => void rf.fitView({ padding: { ...fitPadding, right: '190px' }, duration: 200 }), 30);
                  }} title={t('designer.minimap')} aria-label={t('designer.minimap')} aria-pressed={minimap} data-testid="designer-minimap-toggle">
                  <PictureOutlined />
                </ControlButton>
              )}
            </Controls>
            {!narrow && minimap && (
              <MiniMap pannable zoomable style={{ width: 150, height: 100 }} nodeColor={(n) => NODE_COLORS[(n as CanvasNode).data.node.type] ?? '#999'} data-testid="designer-minimap" />
            )}
          </ReactFlow>
        </div>
        <Card size="small" style={narrow ? { order: 2 } : { width: 340, flex: 'none', overflow: 'auto' }} data-testid="designer-properties">
          {selectedNode ? (
            <NodePanel
              key={panelKey(selectedNode.id)}
              autoId={autoIds.has(selectedNode.id)}
              doc={doc}
              node={selectedNode}
              messages={marks.nodeErrors[selectedNode.id]}
              errors={edited(selectedNode.id) ? undefined : errors?.mapped.nodeFields[selectedNode.id]}
              plugins={plugins}
              settingsErrors={errors?.mapped.nodeSettings[selectedNode.id]}
              onChange={(n, tag) => commit(updateNode(doc, selectedNode.id, n), tag)}
              onRename={(newId, auto) => {
                if (doc.nodes.some((n) => n.id === newId) || !/^[a-z][a-z0-9_-]{0,63}$/.test(newId)) {
                  message.error(t('designer.idInvalid'));
                  return;
                }
                setPanelKeys((k) => ({ ...k, [newId]: k[selectedNode.id] ?? selectedNode.id }));
                if (auto) markAuto(newId, selectedNode.id);
                else setAutoIds((s) => new Set([...s].filter((x) => x !== selectedNode.id)));
                setPositions((p) => ({ ...p, [newId]: p[selectedNode.id] }));
                setSla((s) => moveRule(s, selectedNode.id, newId));
                commit(updateNode(doc, selectedNode.id, { ...selectedNode, id: newId }));
                setSelection({ kind: 'node', id: newId });
              }}
              onDelete={() => {
                commit(removeNode(doc, selectedNode.id));
                setSelection(null);
              }}
              sla={sla.rules?.[selectedNode.id]}
              onSlaChange={(rule) => setSla((s) => setRule(s, selectedNode.id, rule))}
            />
          ) : selectedEdge && selection?.kind === 'edge' ? (
            <EdgePanel
              key={selection.index}
              doc={doc}
              index={selection.index}
              edge={selectedEdge}
              messages={marks.edgeErrors[selection.index]}
              errors={errors ? errors.mapped.edgeFields[errors.edgeRefs.get(selectedEdge) ?? -1] : undefined}
              onChange={(e, tag) => commit(updateEdge(doc, selection.index, e), tag)}
              onDelete={() => {
                commit(removeEdges(doc, [selection.index]));
                setSelection(null);
              }}
            />
          ) : (
            <FlowPanel doc={doc} onChange={commit} />
          )}
          {!selectedNode && !selectedEdge && doc.nodes.length === 0 && <Empty />}
        </Card>
      </Flex>

      {sim && (
        <SimulationResults result={sim.result} doc={doc} sla={sla} selected={sim.selected} onSelect={(i) => setSim({ ...sim, selected: i })} onClose={() => setSim(undefined)} />
      )}
      <SimulateModal form={doc.form} open={simOpen} loading={simulate.isPending || save.isPending} onCancel={() => setSimOpen(false)} onRun={(o) => void onSimulate(o)} />
    </Flex>
  );
}
