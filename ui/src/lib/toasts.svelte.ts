/** Small messages that fade by themselves (engine notices, results of actions). */

export type ToastLevel = 'info' | 'success' | 'warning' | 'error';
export type Toast = { id: number; level: ToastLevel; message: string };

const LIFETIME_MS: Record<ToastLevel, number> = { info: 5000, success: 4000, warning: 8000, error: 9000 };
const MAX = 4;

class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  push(message: string, level: ToastLevel = 'info'): number {
    const text = String(message ?? '').trim();
    if (!text) return 0;
    // The same message twice in a row is one toast.
    const last = this.items[this.items.length - 1];
    if (last && last.message === text && last.level === level) return last.id;
    const id = this.#next++;
    this.items = [...this.items, { id, level, message: text }].slice(-MAX);
    setTimeout(() => this.dismiss(id), LIFETIME_MS[level]);
    return id;
  }

  dismiss(id: number) {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
