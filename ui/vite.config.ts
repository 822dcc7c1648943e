import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// `vite build` makes the app the desktop shell embeds (dist/). `vite build --mode mock` makes a
// test build (dist-mock/) whose entry installs an in-memory backend before the same app starts.
export default defineConfig(({ mode }) => {
  const mock = mode === 'mock';
  return {
    plugins: [svelte()],
    clearScreen: false,
    server: { port: 1420, strictPort: true },
    envPrefix: ['VITE_', 'TAURI_ENV_'],
    // Only the test build ships files as they are (a short sample video for the player).
    publicDir: mock ? 'tests/fake/public' : false,
    build: {
      outDir: mock ? 'dist-mock' : 'dist',
      emptyOutDir: true,
      sourcemap: mock,
      rolldownOptions: {
        input: mock ? 'mock.html' : 'index.html',
        // the Svelte compiler is most of the build; a note about it on every build is noise
        checks: { bundlerTimings: false },
      },
    },
    test: {
      include: ['tests/unit/**/*.test.ts'],
      environment: 'node',
    },
  };
});
