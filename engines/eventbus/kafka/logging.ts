import { logLevel, type logCreator } from 'kafkajs';
import type { BusLog } from '../log.js';


/**
 * kafkajs logs through a log creator, to the console by default: during a broker outage that
 * is a line per retry. Here its entries go to the given logger at their own level (the
 * logger's level decides what shows), or nowhere when there is no logger.
 */
export function kafkaLogging(log: BusLog | undefined): { logLevel: logLevel; logCreator: logCreator } {
  if (log === undefined) return { logLevel: logLevel.NOTHING, logCreator: () => () => {} };
  return {
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry) => {
      const { message, timestamp: _timestamp, ...fields } = entry.log;
      const context = { ...fields, kafkajs: entry.namespace };
      switch (entry.level) {
        case logLevel.ERROR:
          log.error(context, message);
          break;
        case logLevel.WARN:
          log.warn(context, message);
          break;
        case logLevel.INFO:
          log.info(context, message);
          break;
        default:
          log.debug(context, message);
      }
    },
  };
}
