import { reportSchemas as reports } from './reportSchemas'

/**
 * The declarations of the report and activity operations (spread into `SPARKFLY_OPERATIONS`): the offer-activity
 * report (a JSON array streamed as rows are read) and one member's offer activities (paged).
 */
export const REPORT_OPERATIONS = {
  'reports.offerActivity': {
    method: 'GET',
    path: '/reports/offer_activity',
    replay: 'idempotent',
    query: () => reports().reportQuery,
    response: () => reports().reportRow,
    unwrap: 'stream',
  },
  'activities.offers': {
    method: 'GET',
    path: '/activities/offers',
    replay: 'idempotent',
    query: () => reports().memberActivitiesQuery,
    response: () => reports().memberActivities,
    unwrap: 'page',
  },
} as const
