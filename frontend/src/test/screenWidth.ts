import { vi } from 'vitest';

/**
 * A media query whose answer the test changes, as a resized window, a rotated tablet or a full-page
 * screenshot (which shrinks the window for a moment) does. Returns the function that crosses the width.
 */
export function screenWidth(phone: boolean): (next: boolean) => void {
  type Listener = (e: { matches: boolean }) => void;
  const listeners = new Map<Listener, string>();
  let phoneNow = phone;
  // only the phone query (max-width) follows the width here; antd's own breakpoints stay wide
  const answer = (media: string) => media.includes('max-width') && phoneNow;
  vi.stubGlobal('matchMedia', (media: string) => ({
    get matches() {
      return answer(media);
    },
    media,
    onchange: null,
    addListener: (l: Listener) => listeners.set(l, media),
    removeListener: (l: Listener) => listeners.delete(l),
    addEventListener: (_: string, l: Listener) => listeners.set(l, media),
    removeEventListener: (_: string, l: Listener) => listeners.delete(l),
    dispatchEvent: () => false,
  }));
  return (next: boolean) => {
    phoneNow = next;
    listeners.forEach((media, l) => l({ matches: answer(media) }));
  };
}
