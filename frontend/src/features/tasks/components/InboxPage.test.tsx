import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen } from '@testing-library/react';
import { Link } from 'react-router';
import { InboxPage } from './InboxPage';
import { screenWidth } from '../../../test/screenWidth';
import { json, renderShell } from '../../../test/shell';
import type { TaskListItem } from '../../../lib/types';

afterEach(() => vi.unstubAllGlobals());

const task: TaskListItem = {
  id: 9,
  node: 'sales_review',
  status: 'open',
  created_at: '2026-12-07T10:00:00Z',
  order: { id: 5, number: 'SO-5', flow: 'order-review', status: 'in_review', total: 7450, submitter: 'clerk', department: 'sales', customer: '高雄順達五金行' },
};

describe('InboxPage', () => {
  it('on a phone an order opened from the inbox lights the inbox in the bottom navigation; opened from the orders list, the orders entry', async () => {
    screenWidth(true);
    const pages = [
      { path: 'tasks', element: <InboxPage /> },
      { path: 'orders', element: <Link to="/orders/5" data-testid="orders-list-link">SO-5</Link> },
      { path: 'orders/:id', element: <p data-testid="order-page" /> },
    ];
    const lit = () => screen.getAllByTestId(/^phone-nav-/).filter((a) => a.getAttribute('aria-current') === 'page').map((a) => a.dataset.testid);
    renderShell(pages, '/tasks', (path) => (path === '/api/v1/tasks' ? json({ items: [task] }) : undefined));
    fireEvent.click(await screen.findByTestId('task-row'));
    await screen.findByTestId('order-page');
    expect(lit()).toEqual(['phone-nav-tasks']);

    // the same order from the orders list
    fireEvent.click(screen.getByTestId('phone-nav-orders'));
    fireEvent.click(await screen.findByTestId('orders-list-link'));
    await screen.findByTestId('order-page');
    expect(lit()).toEqual(['phone-nav-orders']);
  });

  it('on the desktop an order opened from the inbox keeps the inbox selected in the side menu', async () => {
    screenWidth(false);
    renderShell(
      [
        { path: 'tasks', element: <InboxPage /> },
        { path: 'orders/:id', element: <p data-testid="order-page" /> },
      ],
      '/tasks',
      (path) => (path === '/api/v1/tasks' ? json({ items: [task] }) : undefined),
    );
    // the desktop's table and menu are slow to render on a busy 2-core machine
    fireEvent.click(await screen.findByTestId('task-open-SO-5', undefined, { timeout: 20_000 }));
    await screen.findByTestId('order-page');
    expect(screen.getByTestId('nav-tasks').closest('.ant-menu-item')?.className).toContain('ant-menu-item-selected');
    expect(screen.getByTestId('nav-orders').closest('.ant-menu-item')?.className).not.toContain('ant-menu-item-selected');
  });
});
