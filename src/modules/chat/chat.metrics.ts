export const CHAT_MESSAGES_TOTAL = 'chat_messages_total';
export const CHAT_TURN_DURATION = 'chat_turn_duration_seconds';
