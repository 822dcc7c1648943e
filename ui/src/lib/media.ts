/**
 * Media elements let go of what they hold when they leave the screen. WebKit keeps a media
 * element's decoder, its buffered frames and its pipeline alive while anything refers to the
 * element; a player that was removed from the page but not emptied can keep hundreds of
 * megabytes until the page is reloaded. Emptying its source and loading nothing frees them.
 */
export function releasesMedia(node: HTMLMediaElement) {
  return {
    destroy() {
      release(node);
    },
  };
}

/** Stops `node` and drops its source, so its decoder and buffers are freed now. */
export function release(node: HTMLMediaElement) {
  try {
    node.pause();
    node.removeAttribute('src');
    node.load();
  } catch {
    // An element already torn down has nothing left to free.
  }
}
