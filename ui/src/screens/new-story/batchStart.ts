/** Starting a batch from New story: several dropped files, or a folder from the dialog. */
import { api, errorText } from '../../lib/api';
import { storyFileProblem } from '../../lib/logic/files';
import { store } from '../../lib/store';

/** Each dropped file is a story of one batch (their texts go to the core); the problem, if any. */
export async function startBatchFromFiles(files: File[]): Promise<string | null> {
  for (const f of files) {
    const problem = storyFileProblem(f.name, f.size);
    if (problem) return problem;
  }
  try {
    const stories = await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() })));
    store.batch = await api.batchFromDrop(stories);
    return null;
  } catch (e) {
    return errorText(e);
  }
}

/** Every story in a folder the person chooses; the problem, if any (none when cancelled). */
export async function startBatchFromFolder(): Promise<string | null> {
  try {
    const b = await api.batchFromFolder();
    if (b) store.batch = b;
    return null;
  } catch (e) {
    return errorText(e);
  }
}
