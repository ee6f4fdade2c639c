/** The dashboard (`apprentice ui`): JSON API over a runs folder plus the built browser app. */
export * from './api.js';
export { buildDashboardApp, startDashboard, type DashboardOptions, type DashboardServer } from './app.js';
export { findRunFiles, RunStore } from './runs.js';
