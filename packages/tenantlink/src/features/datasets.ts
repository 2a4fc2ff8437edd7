export { allDatasets } from './index.js';
