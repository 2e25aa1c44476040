import { z } from 'zod';

/**
 * ISO-8601 date-time in UTC (`2026-11-25T06:25:00Z`) or with an offset
 * (`2026-11-25T07:25:00+01:00`); fractional seconds allowed.
 */
export const IsoDateTime = z.iso.datetime({
  offset: true,
  error: 'expected an ISO-8601 date-time such as 2026-11-25T06:25:00Z',
});
