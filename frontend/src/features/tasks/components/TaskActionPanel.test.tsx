import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { TaskActionPanel } from './TaskActionPanel';
import { renderWithProviders } from '../../../test/render';
import type { Task } from '../../../lib/types';

const task: Task = {
  id: 41,
  node: 'sales_review',
  node_name: { 'zh-TW': '業務主管審核', 'zh-CN': '业务主管审核', en: 'Sales review' },
  mode: 'any',
  kind: 'review',
  assignees: ['manager'],
  status: 'open',
  version: 1,
  reasons: ['price_too_low', 'credit_risk'],
  checklist: [
    { 'zh-TW': '價格符合授權範圍', en: 'Prices within the authorised range' },
    { 'zh-TW': '客戶信用額度足夠', en: 'Customer credit limit suffices' },
  ],
  can_act: true,
  created_at: '2026-11-27T10:00:00Z',
};

const targets = [{ node: 'verify', name: '資料核對' }];

let fetchMock: ReturnType<typeof vi.fn>;

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

beforeEach(() => {
  fetchMock = vi.fn(async () => json(200, { task, order: { id: 9 } }));
  vi.stubGlobal('fetch', fetchMock);
  document.cookie = 'sluice_csrf=c1; path=/';
});

afterEach(() => vi.unstubAllGlobals());

const sentBody = (call = 0) => JSON.parse((fetchMock.mock.calls[call] as unknown as [string, RequestInit])[1].body as string);
const submit = () => screen.getByTestId('action-submit').closest('button')!;
const tick = (i: number) => fireEvent.click(within(screen.getAllByTestId('checklist-item')[i]).getByRole('checkbox'));

async function chooseOption(testId: string, label: string) {
  const select = await screen.findByTestId(testId);
  fireEvent.mouseDown(select.querySelector('input') ?? select);
  const options = await screen.findAllByText(label);
  fireEvent.click(options[options.length - 1]);
}

describe('TaskActionPanel', () => {
  it('shows the node name in the current language and the checklist', () => {
    renderWithProviders(<TaskActionPanel task={task} orderId="9" />);
    expect(screen.getByText('審核：業務主管審核')).toBeTruthy();
    expect(screen.getByText('價格符合授權範圍')).toBeTruthy();
    expect(screen.getByTestId('checklist-progress').textContent).toBe('已勾選 0/2');
  });

  it('keeps Approve disabled until every checklist item is ticked, then sends one true per item', async () => {
    renderWithProviders(<TaskActionPanel task={task} orderId="9" />);
    expect(submit().disabled).toBe(true);
    expect(screen.getByTestId('checklist-hint').textContent).toBe('請先勾選全部檢查項目才能核准');
    tick(0);
    expect(submit().disabled).toBe(true);
    tick(1);
    expect(submit().disabled).toBe(false);
    expect(screen.queryByTestId('checklist-hint')).toBeNull();
    // unticking one disables it again
    tick(1);
    expect(submit().disabled).toBe(true);
    tick(1);
    fireEvent.click(submit());
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/tasks/41/actions');
    expect((init.headers as Record<string, string>)['X-CSRF-Token']).toBe('c1');
    expect(sentBody()).toEqual({ action: 'approve', checklist: [true, true] });
  });

  it('approves a task without a checklist at once, sending no checklist', async () => {
    renderWithProviders(<TaskActionPanel task={{ ...task, checklist: undefined }} orderId="9" />);
    expect(screen.queryByTestId('checklist')).toBeNull();
    fireEvent.click(submit());
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(sentBody()).toEqual({ action: 'approve' });
  });

  it('does not need the checklist to reject, and will not reject without a reason', async () => {
    renderWithProviders(<TaskActionPanel task={task} orderId="9" />);
    fireEvent.click(screen.getByTestId('action-reject'));
    await waitFor(() => expect(submit().disabled).toBe(false));
    fireEvent.click(submit());
    expect(await screen.findByText('駁回必須填寫原因')).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();

    // the reasons come from the task and are shown by their labels
    await chooseOption('action-reason-select', '信用風險');
    fireEvent.change(screen.getByTestId('action-comment-input'), { target: { value: '額度不足' } });
    fireEvent.click(submit());
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(sentBody()).toEqual({ action: 'reject', reason: 'credit_risk', comment: '額度不足' });
  });

  it('asks for free text when the task lists no reasons', async () => {
    renderWithProviders(<TaskActionPanel task={{ ...task, reasons: [] }} orderId="9" />);
    fireEvent.click(screen.getByTestId('action-reject'));
    const input = await screen.findByTestId('action-reason-input');
    fireEvent.change(input, { target: { value: '價格太低' } });
    fireEvent.click(submit());
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(sentBody()).toEqual({ action: 'reject', reason: '價格太低' });
  });

  it('returns to the previous review node by default, naming it, with an optional reason', async () => {
    renderWithProviders(<TaskActionPanel task={task} orderId="9" returnTargets={targets} />);
    fireEvent.click(screen.getByTestId('action-return'));
    expect(await screen.findByText('上一個審核節點：資料核對（預設）')).toBeTruthy();
    fireEvent.click(submit());
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(sentBody()).toEqual({ action: 'return' });
  });

  it('returns to the node chosen, with the reason chosen', async () => {
    renderWithProviders(
      <TaskActionPanel task={task} orderId="9" returnTargets={[{ node: 'intake', name: '收件' }, ...targets]} />,
    );
    fireEvent.click(screen.getByTestId('action-return'));
    await chooseOption('action-return-node', '收件');
    await chooseOption('action-reason-select', '價格過低');
    fireEvent.change(screen.getByTestId('action-comment-input'), { target: { value: '  請重新報價 ' } });
    fireEvent.click(submit());
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(sentBody()).toEqual({ action: 'return', node: 'intake', reason: 'price_too_low', comment: '請重新報價' });
  });

  it('offers no return when the order passed no earlier review node', () => {
    renderWithProviders(<TaskActionPanel task={task} orderId="9" returnTargets={[]} />);
    expect(screen.queryByTestId('action-return')).toBeNull();
    expect(screen.getByTestId('action-transfer')).toBeTruthy();
  });

  it('transfers to a username, checking its shape first and showing the server’s word on it', async () => {
    fetchMock.mockResolvedValueOnce(
      json(422, {
        type: 'about:blank',
        title: 'Unprocessable Entity',
        status: 422,
        detail: 'no active user "nobody"',
        errors: [{ pointer: '/user', message: 'no active user "nobody"' }],
      }),
    );
    renderWithProviders(<TaskActionPanel task={task} orderId="9" />);
    fireEvent.click(screen.getByTestId('action-transfer'));
    const input = await screen.findByTestId('action-user-input');
    fireEvent.click(submit());
    expect(await screen.findByText('請輸入對象帳號')).toBeTruthy();
    fireEvent.change(input, { target: { value: 'Not A User' } });
    fireEvent.click(submit());
    expect(await screen.findByText('帳號格式不正確（小寫英文字母開頭）')).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();

    fireEvent.change(input, { target: { value: 'nobody' } });
    fireEvent.click(submit());
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(sentBody()).toEqual({ action: 'transfer', user: 'nobody' });
    // the message shows under the field (and in the error box)
    await waitFor(() => expect(screen.getAllByText('no active user "nobody"').length).toBeGreaterThanOrEqual(2));
    await waitFor(() => expect(screen.getByTestId('action-user-input').closest('.ant-form-item')?.textContent).toContain('no active user "nobody"'));
  });

  it('delegates to a username', async () => {
    renderWithProviders(<TaskActionPanel task={task} orderId="9" />);
    fireEvent.click(screen.getByTestId('action-delegate'));
    fireEvent.change(await screen.findByTestId('action-user-input'), { target: { value: 'manager2' } });
    fireEvent.click(submit());
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(sentBody()).toEqual({ action: 'delegate', user: 'manager2' });
  });

  it('adds a signer before or after (after by default)', async () => {
    renderWithProviders(<TaskActionPanel task={task} orderId="9" />);
    fireEvent.click(screen.getByTestId('action-add_signer'));
    fireEvent.change(await screen.findByTestId('action-user-input'), { target: { value: 'finance' } });
    fireEvent.click(submit());
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(sentBody(0)).toEqual({ action: 'add_signer', user: 'finance', position: 'after' });

    fireEvent.click(screen.getByTestId('action-add_signer'));
    fireEvent.change(await screen.findByTestId('action-user-input'), { target: { value: 'finance' } });
    fireEvent.click(screen.getByTestId('action-position-before'));
    fireEvent.click(submit());
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    expect(sentBody(1)).toEqual({ action: 'add_signer', user: 'finance', position: 'before' });
  });

  it('lets a delegate only decide or comment, and shows the task’s note', () => {
    renderWithProviders(
      <TaskActionPanel task={{ ...task, kind: 'delegate', comment: 'manager2 recommends approve' }} orderId="9" returnTargets={targets} />,
    );
    expect(screen.getByTestId('task-kind').textContent).toBe('受委派');
    expect(screen.getByTestId('task-kind-note')).toBeTruthy();
    expect(screen.getByTestId('task-comment').textContent).toContain('manager2 recommends approve');
    expect(screen.getByTestId('action-approve')).toBeTruthy();
    expect(screen.getByTestId('action-reject')).toBeTruthy();
    for (const a of ['return', 'transfer', 'delegate', 'add_signer']) expect(screen.queryByTestId(`action-${a}`)).toBeNull();
  });

  it('marks the checklist item the server points at', async () => {
    fetchMock.mockResolvedValueOnce(
      json(422, {
        status: 422,
        title: 'Unprocessable Entity',
        detail: 'this checklist item is not ticked',
        errors: [{ pointer: '/checklist/1', message: 'this checklist item is not ticked' }],
      }),
    );
    renderWithProviders(<TaskActionPanel task={task} orderId="9" />);
    tick(0);
    tick(1);
    fireEvent.click(submit());
    expect(await screen.findByText('此項目尚未勾選')).toBeTruthy();
    const items = screen.getAllByTestId('checklist-item');
    expect(items[1].textContent).toContain('此項目尚未勾選');
    expect(items[0].textContent).not.toContain('此項目尚未勾選');
  });

  it('says a 409 means the task changed (not a permission error), with the server’s reason, and tells the page', async () => {
    fetchMock.mockResolvedValueOnce(json(409, { status: 409, title: 'Conflict', detail: 'this task was already decided (approve) by boss' }));
    const onConflict = vi.fn();
    renderWithProviders(<TaskActionPanel task={{ ...task, checklist: [] }} orderId="9" onConflict={onConflict} />);
    fireEvent.click(submit());
    const notice = await screen.findByTestId('action-conflict');
    expect(notice.textContent).toContain('此待辦在您開啟後已有變動');
    expect(notice.textContent).toContain('this task was already decided (approve) by boss');
    expect(screen.queryByTestId('action-forbidden')).toBeNull();
    expect(screen.queryByTestId('error-alert')).toBeNull();
    expect(onConflict).toHaveBeenCalledWith('this task was already decided (approve) by boss', undefined);
  });

  it('says how the task changed from the problem’s type and reason, not its words', async () => {
    fetchMock.mockResolvedValueOnce(
      json(409, { type: 'urn:sluice:problem:task-changed', reason: 'moved', status: 409, title: 'Conflict', detail: 'words that change' }),
    );
    const onConflict = vi.fn();
    renderWithProviders(<TaskActionPanel task={{ ...task, checklist: [] }} orderId="9" onConflict={onConflict} />);
    fireEvent.click(submit());
    const notice = await screen.findByTestId('action-conflict');
    expect(notice.textContent).toContain('訂單已移轉到流程的新版本');
    expect(onConflict).toHaveBeenCalledWith('words that change', 'moved');
  });

  it('says a 403 means you may not', async () => {
    fetchMock.mockResolvedValueOnce(json(403, { status: 403, title: 'Forbidden', detail: 'you may not approve this task' }));
    const onConflict = vi.fn();
    renderWithProviders(<TaskActionPanel task={{ ...task, checklist: [] }} orderId="9" onConflict={onConflict} />);
    fireEvent.click(submit());
    const notice = await screen.findByTestId('action-forbidden');
    expect(notice.textContent).toContain('您沒有權限處理此待辦');
    expect(notice.textContent).toContain('you may not approve this task');
    expect(screen.queryByTestId('action-conflict')).toBeNull();
    expect(onConflict).not.toHaveBeenCalled();
  });

  it('speaks English when the UI does', () => {
    renderWithProviders(<TaskActionPanel task={task} orderId="9" />, { lang: 'en' });
    expect(screen.getByText('Review: Sales review')).toBeTruthy();
    expect(screen.getByText('Customer credit limit suffices')).toBeTruthy();
    expect(screen.getByTestId('checklist-hint').textContent).toBe('Tick every checklist item to approve');
  });
});

describe('TaskActionPanel: editable fields', () => {
  const editTask: Task = { ...task, node: 'finance_review', checklist: [], editable: ['note'] };
  const order = {
    id: 9,
    number: 'SO-9',
    flow: 'order-review',
    version: 1,
    status: 'in_review',
    data: { note: '原備註', currency: 'TWD' },
    created_at: '2026-11-27T10:00:00Z',
    department: 'sales',
    submitter: 'clerk',
    total: 0,
    current_nodes: ['sales_review'],
    source: 'api',
    updated_at: '2026-11-27T10:00:00Z',
  };
  const flowForm = {
    flow: { key: 'order-review', version: 1, name: 'Order review' },
    form: {
      key: 'order',
      version: 1,
      name: 'Order',
      schema: { type: 'object', properties: { note: { type: 'string', title: { 'zh-TW': '備註', en: 'Note' } }, currency: { type: 'string' } } },
    },
  };

  it('sends only the changed editable fields with approve', async () => {
    fetchMock.mockImplementation(async (url: string) => (String(url).includes('/form') ? json(200, flowForm) : json(200, { task: editTask, order })));
    renderWithProviders(<TaskActionPanel task={editTask} orderId="9" order={order} />);
    await waitFor(() => expect(screen.getByText('修改欄位：備註')).toBeTruthy());
    fireEvent.click(screen.getByTestId('action-edit-toggle'));
    const input = (await screen.findByDisplayValue('原備註')) as HTMLInputElement;
    expect(screen.queryByDisplayValue('TWD')).toBeNull(); // not editable: not in the editor
    fireEvent.change(input, { target: { value: '改為分批出貨' } });
    fireEvent.click(submit());
    await waitFor(() => expect(fetchMock.mock.calls.some(([u]) => String(u).endsWith('/tasks/41/actions'))).toBe(true));
    const call = fetchMock.mock.calls.findIndex(([u]) => String(u).endsWith('/tasks/41/actions'));
    expect(sentBody(call)).toEqual({ action: 'approve', fields: { note: '改為分批出貨' } });
  });
});
