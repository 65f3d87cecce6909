// Public surface of reports/: the report model and everything that turns a RunResult into files
// (report.html, junit.xml, results.json) and the index over all runs.
export * from './model.js';
export { renderReport } from './report.js';
export { renderIndex } from './runs-index.js';
export { renderJunit } from './junit.js';
export { writeRun, readRuns, DEFAULT_OUT } from './write.js';
export { campaignRun, campaignRows, campaignTotals, campaignRunLine, readCampaigns, renderCampaign, renderCampaignJunit, writeCampaign, type CampaignResult, type CampaignRun, type CampaignRow, type PlannedRun } from './campaign.js';
