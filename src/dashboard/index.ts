/**
 * trellis-mcp/dashboard: the web dashboard that drives any MCP server through Trellis's client (what `trellis
 * inspect` opens), to mount in your own server (`Dashboard.fetch`) or serve on loopback (`serveDashboard`).
 */
export { Dashboard, type DashboardOptions, type DashboardTarget } from "./dashboard.js";
export { serveDashboard, type ServeDashboardOptions, type DashboardHandle } from "./node.js";
