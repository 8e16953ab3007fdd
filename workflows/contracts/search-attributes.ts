import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * One set of search attributes shared by every process (the dev server's SQL visibility
 * allows only 10 custom Keyword attributes per namespace), registered at start-up.
 */
export const RecordType = defineSearchAttributeKey('RecordType', SearchAttributeType.KEYWORD);
export const RecordNumber = defineSearchAttributeKey('RecordNumber', SearchAttributeType.KEYWORD);
export const RecordState = defineSearchAttributeKey('RecordState', SearchAttributeType.KEYWORD);
export const Priority = defineSearchAttributeKey('Priority', SearchAttributeType.KEYWORD);
export const AssignmentGroup = defineSearchAttributeKey('AssignmentGroup', SearchAttributeType.KEYWORD);
export const SlaBreached = defineSearchAttributeKey('SlaBreached', SearchAttributeType.BOOL);

/** Changes: standard | normal | emergency, and the assessed risk level. */
export const ChangeType = defineSearchAttributeKey('ChangeType', SearchAttributeType.KEYWORD);
export const Risk = defineSearchAttributeKey('Risk', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [RecordType, RecordNumber, RecordState, Priority, AssignmentGroup, SlaBreached, ChangeType, Risk];
