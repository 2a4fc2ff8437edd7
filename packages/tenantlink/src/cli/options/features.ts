import { Option } from '@commander-js/extra-typings';
import { FEATURES, type Feature } from '../../connections/model.js';
import { UsageError } from '../io.js';

/** `--features a,b`, parsed into the features it names; `what` says which features the command means. */
export function featuresOption(what = 'features') {
  return new Option('--features <list>', `comma-separated ${what}: ${FEATURES.join(', ')}`).argParser(parseFeatures);
}

/** Every name checked, empty entries ignored. */
function parseFeatures(list: string): Feature[] {
  const names = list
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = names.filter((f) => !isFeature(f));
  if (unknown.length > 0) throw new UsageError(`Unknown feature ${unknown.join(', ')}: use ${FEATURES.join(', ')}.`);
  return names.filter(isFeature);
}

function isFeature(name: string): name is Feature {
  return (FEATURES as readonly string[]).includes(name);
}
