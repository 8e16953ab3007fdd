import { z, type Agree } from './zod';
import type { ChangeSnapshot } from '../change/snapshot';
import { ApproverRoleEnum, BoardEnum, DecisionEnum, changeFields } from './change';

/**
 * A change as its row stores it (the `detail` column, written by the change workflow's
 * transition activity and read back by the API): domain/change/snapshot.ts's ChangeSnapshot,
 * checked against this schema at compile time below. Times are epoch milliseconds.
 */
const Epoch = z.number();

export const CabStateSchema = z.object({
  board: BoardEnum,
  required: z.array(z.object({ approver: z.string(), role: ApproverRoleEnum })),
  votes: z.array(
    z.object({
      voteId: z.string(),
      member: z.string(),
      decision: DecisionEnum,
      comment: z.string().nullable(),
      at: Epoch,
      countsFor: z.array(z.string()),
      ignoredReason: z.string().nullable(),
    }),
  ),
  quorum: z.number().int(),
  changeManagerRequired: z.boolean(),
  openedAt: Epoch,
  deadline: Epoch,
  timeoutAt: Epoch,
  remindedAt: Epoch.nullable(),
  escalatedAt: Epoch.nullable(),
});

export const ChangeSnapshotSchema = z.object({ ...changeFields(Epoch), cab: CabStateSchema.nullable() });
true satisfies Agree<ChangeSnapshot, typeof ChangeSnapshotSchema>;
