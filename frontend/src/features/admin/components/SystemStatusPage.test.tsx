import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import { renderWithProviders } from '../../../test/render';
import { SystemStatusPage } from './SystemStatusPage';
import type { SystemStatus } from '../api/status';

const SAMPLE: SystemStatus = {
  build: { version: 'v1.4.2', revision: 'abc1234', modified: false, go_version: 'go1.24.1' },
  started_at: '2025-01-01T00:00:00Z',
  uptime_seconds: 90061,
  database: {
    dialect: 'postgres',
    url: 'postgres://sluice:***@db/sluice',
    schema_version: 7,
    latest_schema_version: 8,
    audit_seq: 1234,
    event_seq: 567,
  },
  orders: { in_review: 3, approved: 5 },
  tasks: { open: 4, oldest_age_seconds: 7500 },
  counts: { users: 12, departments: 3, definitions: 6, audit_entries: 1234, events: 567 },
  last_backup: {
    path: '/var/backups/sluice-20250101.db',
    bytes: 1536,
    at: '2025-01-01T03:00:00Z',
    schema_version: 7,
    audit_seq: 1200,
    orders: 8,
  },
};

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status === 200 ? 'application/json' : 'application/problem+json' },
  });

afterEach(() => vi.unstubAllGlobals());

describe('SystemStatusPage', () => {
  it('shows the status the endpoint returns', async () => {
    const fetchMock = vi.fn(async () => json(SAMPLE));
    vi.stubGlobal('fetch', fetchMock);
    renderWithProviders(<SystemStatusPage />);

    expect((await screen.findByTestId('status-revision')).textContent).toContain('abc1234');
    expect(String((fetchMock.mock.calls[0] as unknown[])[0])).toBe('/api/v1/admin/status');
    expect(screen.getByText('系統狀態')).toBeTruthy();
    expect(screen.getAllByText('v1.4.2').length).toBeGreaterThan(0);
    expect(screen.getByTestId('status-uptime').textContent).toContain('1 天 1 小時');
    expect(screen.getByTestId('status-dialect').textContent).toBe('PostgreSQL');
    const schema = screen.getByTestId('status-schema').textContent;
    expect(schema).toContain('7');
    expect(schema).toContain('此程式最新：8');
    expect(schema).toContain('待升級');
    expect(screen.getByTestId('status-orders-in_review').textContent).toContain('3');
    expect(screen.getByTestId('status-orders-approved').textContent).toContain('5');
    expect(screen.getByTestId('status-orders-total').textContent).toContain('8');
    expect(screen.getByTestId('status-open-tasks').textContent).toContain('4');
    expect(screen.getByTestId('status-oldest-task').textContent).toContain('2 小時 5 分');
    expect(screen.getByTestId('status-count-users').textContent).toContain('使用者');
    expect(screen.getByTestId('status-count-audit_entries').textContent).toContain('1,234');
    expect(screen.getByTestId('status-backup-file').textContent).toContain('/var/backups/sluice-20250101.db');
    expect(screen.getByTestId('status-backup-size').textContent).toBe('1.5 KiB');
    expect(screen.queryByTestId('status-no-backup')).toBeNull();
  });

  it('says when there is no backup yet (English)', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ ...SAMPLE, last_backup: null })));
    renderWithProviders(<SystemStatusPage />, { lang: 'en' });
    expect((await screen.findByTestId('status-no-backup')).textContent).toBe('No backup yet');
    expect(screen.getByText('System status')).toBeTruthy();
  });

  it('shows a friendly result on 403', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json({ title: 'Forbidden', status: 403, detail: 'needs users.manage or audit.read' }, 403)),
    );
    renderWithProviders(<SystemStatusPage />);
    expect(await screen.findByText('您沒有檢視系統狀態的權限')).toBeTruthy();
    expect(screen.queryByTestId('status-revision')).toBeNull();
  });
});
