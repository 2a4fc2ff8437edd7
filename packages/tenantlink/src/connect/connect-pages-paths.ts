/** Where the connect pages live, outside /api: the link's start page, and where Microsoft sends the browser back. */
export const CONNECT_PATH = '/connect/microsoft';
export { CONNECT_CALLBACK_PATH as CALLBACK_PATH } from './public-url.js';
