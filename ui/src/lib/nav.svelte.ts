/** Which screen is shown (and which project on the Project screen). */
import type { Screen } from './logic/shortcuts';
import { openStarted } from './timing';

class Nav {
  screen = $state<Screen>('library');
  projectId = $state<string | null>(null);

  go(screen: Screen) {
    if (screen === 'project' && !this.projectId) screen = 'library';
    this.screen = screen;
  }

  openProject(id: string) {
    openStarted(id);
    this.projectId = id;
    this.screen = 'project';
  }

  /** After a project is deleted: leave its screen. */
  forget(id: string) {
    if (this.projectId === id) {
      this.projectId = null;
      if (this.screen === 'project') this.screen = 'library';
    }
  }
}

export const nav = new Nav();
