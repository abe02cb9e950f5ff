-- AlterTable: node fields of microversions 1.82-1.95, RAID target, allocation claim
ALTER TABLE "nodes" ADD COLUMN "shard" TEXT;
ALTER TABLE "nodes" ADD COLUMN "parent_node" TEXT;
ALTER TABLE "nodes" ADD COLUMN "disable_power_off" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "nodes" ADD COLUMN "target_raid_config" TEXT NOT NULL DEFAULT '{}';
ALTER TABLE "nodes" ADD COLUMN "allocation_uuid" TEXT;
-- AlterTable: port name (1.88)
ALTER TABLE "ports" ADD COLUMN "name" TEXT;

-- CreateTable
CREATE TABLE "node_traits" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "node_id" INTEGER NOT NULL,
    "trait" TEXT NOT NULL,
    CONSTRAINT "node_traits_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "allocations" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "uuid" TEXT NOT NULL,
    "name" TEXT,
    "node_uuid" TEXT,
    "state" TEXT NOT NULL DEFAULT 'allocating',
    "last_error" TEXT,
    "resource_class" TEXT,
    "traits" TEXT NOT NULL DEFAULT '[]',
    "candidate_nodes" TEXT NOT NULL DEFAULT '[]',
    "extra" TEXT NOT NULL DEFAULT '{}',
    "owner" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "nodes_allocation_uuid_key" ON "nodes"("allocation_uuid");
CREATE UNIQUE INDEX "ports_name_key" ON "ports"("name");
CREATE INDEX "nodes_shard_idx" ON "nodes"("shard");
CREATE UNIQUE INDEX "node_traits_node_id_trait_key" ON "node_traits"("node_id", "trait");
CREATE UNIQUE INDEX "allocations_uuid_key" ON "allocations"("uuid");
CREATE UNIQUE INDEX "allocations_name_key" ON "allocations"("name");
CREATE INDEX "allocations_state_idx" ON "allocations"("state");
