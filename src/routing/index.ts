export { labelsOf } from './labels.js';
export { matches, compilePattern } from './match.js';
export { route, routeLabels, type RouteMatch } from './route.js';
export { activeSilence, type ActiveSilence } from './silence.js';
export { inhibitingRule, inhibitionSourcesNeeded, tagKeysUsedByInhibition, type Inhibition } from './inhibit.js';
export { renderRunbookUrl } from './runbook.js';
export { plan, type PlanContext } from './plan.js';
export { threadParentFor, threadParentOf, type RoutedDelivery, type ThreadParent } from './thread-parent.js';
