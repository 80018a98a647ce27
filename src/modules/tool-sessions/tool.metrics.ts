export const TOOL_EXECUTIONS_TOTAL = 'tool_executions_total';
export const TOOL_EXECUTION_DURATION = 'tool_execution_duration_seconds';
