-- AlterTable
ALTER TABLE "operations" ADD COLUMN "timeline" TEXT;

-- CreateTable
CREATE TABLE "deployments" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "node_uuid" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "chap" TEXT,
    "image_token" TEXT,
    "image_key" TEXT,
    "status" TEXT NOT NULL DEFAULT 'active',
    "command" TEXT NOT NULL DEFAULT 'wait',
    "command_args" TEXT NOT NULL DEFAULT '{}',
    "last_seq" BIGINT,
    "last_answer" TEXT,
    "progress" TEXT,
    "callbacks" INTEGER NOT NULL DEFAULT 0,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" DATETIME NOT NULL,
    "closed_at" DATETIME
);

-- CreateIndex
CREATE INDEX "deployments_node_uuid_status_idx" ON "deployments"("node_uuid", "status");

