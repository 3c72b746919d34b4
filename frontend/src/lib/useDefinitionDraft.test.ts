import { act, renderHook } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { useDefinitionDraft, type DefinitionDraftOptions } from './useDefinitionDraft';
import { DataRouterWrapper } from '../test/dataRouter';

type Doc = { key: string; n: number };

const leave = () => {
  const e = new Event('beforeunload', { cancelable: true });
  window.dispatchEvent(e);
  return e.defaultPrevented;
};

/** A fake server holding what was saved and published; `refuse` makes the next save or publish fail. */
function server() {
  const s = {
    saved: [] as Doc[],
    published: [] as string[],
    refuseSave: false,
    refusePublish: false,
    save: vi.fn(async (d: Doc) => {
      if (s.refuseSave) throw new Error('bad draft');
      s.saved.push(d);
    }),
    publish: vi.fn(async (d: Doc) => {
      if (s.refusePublish) throw new Error('checker says no');
      s.published.push(d.key);
      return { version: s.published.length };
    }),
  };
  return s;
}

function setup(initial: Doc, opts: Partial<DefinitionDraftOptions<Doc, Doc>> = {}) {
  const srv = server();
  const onSaved = vi.fn();
  const onSaveError = vi.fn();
  const onPublishError = vi.fn();
  const hook = renderHook(
    ({ value }: { value: Doc }) =>
      useDefinitionDraft<Doc, Doc>({
        value,
        toBody: (d) => ({ ...d, n: d.n * 10 }),
        saved: initial,
        status: { version: 0, hasDraft: false },
        save: srv.save,
        publish: srv.publish,
        onSaved,
        onSaveError,
        onPublishError,
        ...opts,
      }),
    { initialProps: { value: initial }, wrapper: DataRouterWrapper },
  );
  return { ...hook, srv, onSaved, onSaveError, onPublishError };
}

describe('useDefinitionDraft', () => {
  it('is unsaved after an edit, saved after a save, and warns before leaving only in between', async () => {
    const a = { key: 'k', n: 1 };
    const { result, rerender, srv, onSaved, unmount } = setup(a);
    expect(result.current.dirty).toBe(false);
    expect(leave()).toBe(false);
    const b = { key: 'k', n: 2 };
    rerender({ value: b });
    expect(result.current.dirty).toBe(true);
    expect(leave()).toBe(true);
    let ok = false;
    await act(async () => {
      ok = await result.current.saveDraft();
    });
    expect(ok).toBe(true);
    expect(srv.saved).toEqual([{ key: 'k', n: 20 }]); // the body, not the value
    expect(onSaved).toHaveBeenCalledTimes(1);
    expect(result.current.dirty).toBe(false);
    expect(result.current.status).toEqual({ version: 0, hasDraft: true });
    expect(leave()).toBe(false);
    unmount();
  });

  it('keeps the edits unsaved and reports the body sent when the server refuses a save', async () => {
    const { result, rerender, srv, onSaveError, onSaved, unmount } = setup({ key: 'k', n: 1 });
    rerender({ value: { key: 'k', n: 3 } });
    srv.refuseSave = true;
    let ok = true;
    await act(async () => {
      ok = await result.current.saveDraft();
    });
    expect(ok).toBe(false);
    expect(onSaved).not.toHaveBeenCalled();
    expect(onSaveError).toHaveBeenCalledWith(expect.objectContaining({ message: 'bad draft' }), { key: 'k', n: 30 });
    expect(result.current.dirty).toBe(true);
    expect(result.current.status.hasDraft).toBe(false);
    unmount();
  });

  it('saves before publishing when there is no draft, and publishes the new version', async () => {
    const { result, srv, unmount } = setup({ key: 'k', n: 1 });
    let version: number | undefined;
    await act(async () => {
      version = await result.current.publish();
    });
    expect(version).toBe(1);
    expect(srv.save).toHaveBeenCalledTimes(1);
    expect(srv.published).toEqual(['k']);
    expect(result.current.status).toEqual({ version: 1, hasDraft: false });
    expect(result.current.dirty).toBe(false);
    unmount();
  });

  it("with saveFirst 'dirty' publishes a clean value without saving it again", async () => {
    const { result, srv, unmount } = setup({ key: 'k', n: 1 }, { saveFirst: 'dirty', status: { version: 2, hasDraft: false } });
    await act(async () => {
      await result.current.publish();
    });
    expect(srv.save).not.toHaveBeenCalled();
    expect(srv.published).toEqual(['k']);
    unmount();
  });

  it('does not publish when the save before it fails, and reports a refused publish', async () => {
    const { result, rerender, srv, onPublishError, onSaveError, unmount } = setup({ key: 'k', n: 1 });
    rerender({ value: { key: 'k', n: 4 } });
    srv.refuseSave = true;
    let version: number | undefined = 0;
    await act(async () => {
      version = await result.current.publish();
    });
    expect(version).toBeUndefined();
    expect(srv.publish).not.toHaveBeenCalled();
    expect(onSaveError).toHaveBeenCalledTimes(1);

    srv.refuseSave = false;
    srv.refusePublish = true;
    await act(async () => {
      version = await result.current.publish();
    });
    expect(version).toBeUndefined();
    expect(onPublishError).toHaveBeenCalledWith(expect.objectContaining({ message: 'checker says no' }), { key: 'k', n: 40 });
    // the draft was saved on the way, so only the publish is left to do
    expect(result.current.status).toEqual({ version: 0, hasDraft: true });
    expect(result.current.dirty).toBe(false);
    unmount();
  });
});
