import { useState } from 'react';
import { useLeaveWarning } from './useLeaveWarning';

/** Where a definition stands on the server: its published version (0: never) and whether a draft is saved. */
export interface DraftStatus {
  version: number;
  hasDraft: boolean;
}

export interface DefinitionDraftOptions<V, B extends { key: string }> {
  /** What the editor edits now; a new object is a change (compared by identity with the last one saved). */
  value: V;
  /** The document saved for a value. */
  toBody: (value: V) => B;
  /** The value the server holds as the draft when the editor opens (undefined: none, so there is something to save). */
  saved: V | undefined;
  status: DraftStatus;
  /** Saves a draft (PUT /definitions/{kind}/{key}). */
  save: (body: B) => Promise<unknown>;
  /** Publishes the saved draft (POST …/publish); `body` is the document of the current value. */
  publish: (body: B) => Promise<{ version: number }>;
  /** Before publishing, save when there are unsaved edits ('dirty') or also when no draft is saved ('dirty-or-no-draft', the default). */
  saveFirst?: 'dirty' | 'dirty-or-no-draft';
  /** A save succeeded (on its own or before a publish). */
  onSaved?: () => void;
  /** A save failed; `body` is what was sent, for mapping the server's pointers. */
  onSaveError: (error: unknown, body: B) => void;
  /** A publish failed; `body` is the document of the value being published. */
  onPublishError: (error: unknown, body: B) => void;
}

export interface DefinitionDraft {
  /** Edits not saved yet (closing the tab asks first). */
  dirty: boolean;
  status: DraftStatus;
  /** Saves the current value as the draft; false when the server refused it (onSaveError was told). */
  saveDraft: () => Promise<boolean>;
  /** Saves first when needed, then publishes; the new version, or undefined when either step failed. */
  publish: () => Promise<number | undefined>;
}

/**
 * The draft, save and publish cycle the definition editors share (flows, forms, roles, reminders):
 * what is unsaved, the server status, saving and publishing, and the leave warning while unsaved.
 */
export function useDefinitionDraft<V, B extends { key: string }>(o: DefinitionDraftOptions<V, B>): DefinitionDraft {
  const [saved, setSaved] = useState<V | undefined>(o.saved);
  const [status, setStatus] = useState<DraftStatus>(o.status);
  const dirty = o.value !== saved;

  useLeaveWarning(dirty);

  const saveDraft = async (): Promise<boolean> => {
    const current = o.value;
    const body = o.toBody(current);
    try {
      await o.save(body);
    } catch (e) {
      o.onSaveError(e, body);
      return false;
    }
    setSaved(current);
    setStatus((s) => ({ ...s, hasDraft: true }));
    o.onSaved?.();
    return true;
  };

  const publish = async (): Promise<number | undefined> => {
    const needsSave = dirty || ((o.saveFirst ?? 'dirty-or-no-draft') === 'dirty-or-no-draft' && !status.hasDraft);
    if (needsSave && !(await saveDraft())) return undefined;
    const body = o.toBody(o.value);
    try {
      const r = await o.publish(body);
      setStatus({ version: r.version, hasDraft: false });
      return r.version;
    } catch (e) {
      o.onPublishError(e, body);
      return undefined;
    }
  };

  return { dirty, status, saveDraft, publish };
}
