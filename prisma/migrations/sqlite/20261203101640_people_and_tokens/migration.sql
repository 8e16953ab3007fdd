-- Data: e-mail addresses become unique and lower-cased (a duplicate keeps its oldest holder).
UPDATE "User" SET "email" = lower(trim("email")) WHERE "email" IS NOT NULL;
UPDATE "User" SET "email" = NULL WHERE "email" = '';
UPDATE "User" SET "email" = NULL WHERE "email" IS NOT NULL AND "id" NOT IN (SELECT MIN("id") FROM "User" WHERE "email" IS NOT NULL GROUP BY "email");

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "expiresAt" DATETIME,
    "lastUsedAt" DATETIME,
    "revokedAt" DATETIME,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "GroupMember" (
    "groupId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'api',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("groupId", "userId")
);

-- Data: memberships move from the users' JSON group lists to GroupMember rows; a group name
-- without a Group row becomes a group (tier 0: not a support tier). The SHA-256 token column is
-- dropped: tokens are now ApiToken rows (the dev stack re-seeds its dev-<role> tokens at start).
INSERT INTO "Group" ("id", "name", "tier") SELECT DISTINCT 'grp-' || j."value", j."value", 0 FROM "User" u, json_each(u."groups") j WHERE NOT EXISTS (SELECT 1 FROM "Group" g WHERE g."name" = j."value");
INSERT INTO "GroupMember" ("groupId", "userId") SELECT DISTINCT g."id", u."id" FROM "User" u, json_each(u."groups") j JOIN "Group" g ON g."name" = j."value";

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "role" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "externalId" TEXT,
    "deactivatedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_User" ("createdAt", "email", "id", "name", "role") SELECT "createdAt", "email", "id", "name", "role" FROM "User";
DROP TABLE "User";
ALTER TABLE "new_User" RENAME TO "User";
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE UNIQUE INDEX "User_externalId_key" ON "User"("externalId");
CREATE TABLE "new_Group" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "managerId" TEXT,
    "nextTierGroup" TEXT,
    "tier" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_Group" ("createdAt", "id", "managerId", "name", "nextTierGroup", "tier") SELECT "createdAt", "id", "managerId", "name", "nextTierGroup", "tier" FROM "Group";
DROP TABLE "Group";
ALTER TABLE "new_Group" RENAME TO "Group";
CREATE UNIQUE INDEX "Group_name_key" ON "Group"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_prefix_key" ON "ApiToken"("prefix");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_hash_key" ON "ApiToken"("hash");

-- CreateIndex
CREATE INDEX "ApiToken_userId_idx" ON "ApiToken"("userId");

-- CreateIndex
CREATE INDEX "GroupMember_userId_idx" ON "GroupMember"("userId");

