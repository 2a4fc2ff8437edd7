export {
  CLOUDS,
  type Cloud,
  type CloudEndpoints,
  type CloudName,
  cloudEndpoints,
  sandboxCloud,
} from './connections/clouds.js';
export { type Diagnosis, TenantlinkError } from './errors.js';
