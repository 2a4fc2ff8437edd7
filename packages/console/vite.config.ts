import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development the console runs on Vite's port and sends API calls to a running tenantlink server.
const server = process.env['TENANTLINK_URL'] ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    // A plain '/connect' key would be a prefix of the console's own /connections pages.
    proxy: { '/api': server, '^/connect(/|\\?|$)': server },
  },
  build: { outDir: 'dist', emptyOutDir: true },
});
