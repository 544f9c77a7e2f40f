export { compare, describeCondition, evaluateCondition, globMatch } from './conditions.js';
export { channelToJson, deliveryToJson, ruleToJson, silenceToJson } from './json.js';
export { DEFAULT_EVAL_INTERVAL_MS, type PassResult, RuleManager, type RuleManagerOptions } from './manager.js';
export {
  AlertingConflictError,
  AlertingNotFoundError,
  type AlertingService,
  type AlertingServiceOptions,
  createAlertingService,
} from './service.js';
export * from './state.js';
export * from './types.js';
export {
  AlertingValidationError,
  redactChannel,
  validateChannel,
  validateCondition,
  validateRule,
  validateSilence,
} from './validate.js';
