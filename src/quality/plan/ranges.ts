/** Avro's numeric ranges as plain-JSON values are checked against them (see validate.ts). */
export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;
/** 2^63 as a double: a JSON integer beyond it cannot be a long. */
export const LONG_LIMIT = 9223372036854775807;
export const FLOAT_MAX = 3.4028234663852886e38;
