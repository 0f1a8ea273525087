// The tags of a Frame around a status batch: (field number << 3) | wire
// type, one byte each. The entry writers and the decoder spell the tags of
// the fields inside a batch as literals, per field (see entry.ts for why).

/** Frame.request_id (field 1, varint). */
export const FRAME_REQUEST_ID = 0x08;
/** Frame.user_status_changed (field 4, length-delimited). */
export const FRAME_USER_STATUS_CHANGED = 0x22;
/** Frame.get_user_status_response (field 6, length-delimited). */
export const FRAME_GET_USER_STATUS_RESPONSE = 0x32;
/** Frame.get_user_status_request (field 5, length-delimited). */
export const FRAME_GET_USER_STATUS_REQUEST = 0x2a;
