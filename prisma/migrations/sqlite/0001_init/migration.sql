-- CreateTable
CREATE TABLE "nodes" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "uuid" TEXT NOT NULL,
    "name" TEXT,
    "driver" TEXT NOT NULL,
    "driver_info" TEXT NOT NULL DEFAULT '{}',
    "driver_internal_info" TEXT NOT NULL DEFAULT '{}',
    "properties" TEXT NOT NULL DEFAULT '{}',
    "instance_info" TEXT NOT NULL DEFAULT '{}',
    "extra" TEXT NOT NULL DEFAULT '{}',
    "interfaces" TEXT NOT NULL DEFAULT '{}',
    "instance_uuid" TEXT,
    "provision_state" TEXT NOT NULL DEFAULT 'enroll',
    "target_provision_state" TEXT,
    "power_state" TEXT,
    "target_power_state" TEXT,
    "maintenance" BOOLEAN NOT NULL DEFAULT false,
    "maintenance_reason" TEXT,
    "fault" TEXT,
    "last_error" TEXT,
    "resource_class" TEXT,
    "conductor_group" TEXT NOT NULL DEFAULT '',
    "owner" TEXT,
    "lessee" TEXT,
    "description" TEXT,
    "automated_clean" BOOLEAN,
    "protected" BOOLEAN NOT NULL DEFAULT false,
    "protected_reason" TEXT,
    "retired" BOOLEAN NOT NULL DEFAULT false,
    "retired_reason" TEXT,
    "power_sync_failures" INTEGER NOT NULL DEFAULT 0,
    "provision_updated_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME
);

-- CreateTable
CREATE TABLE "ports" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "uuid" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "node_id" INTEGER NOT NULL,
    "pxe_enabled" BOOLEAN NOT NULL DEFAULT true,
    "extra" TEXT NOT NULL DEFAULT '{}',
    "local_link_connection" TEXT NOT NULL DEFAULT '{}',
    "physical_network" TEXT,
    "is_smartnic" BOOLEAN NOT NULL DEFAULT false,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME,
    CONSTRAINT "ports_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "history" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "uuid" TEXT NOT NULL,
    "node_id" INTEGER,
    "node_uuid" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT,
    "request_id" TEXT,
    "event_type" TEXT NOT NULL,
    "from_state" TEXT,
    "to_state" TEXT,
    "event" TEXT NOT NULL,
    "severity" TEXT NOT NULL DEFAULT 'INFO',
    CONSTRAINT "history_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "operations" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "node_id" INTEGER,
    "node_uuid" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "actor" TEXT,
    "request_id" TEXT,
    "error" TEXT,
    "started_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" DATETIME,
    CONSTRAINT "operations_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "nodes_uuid_key" ON "nodes"("uuid");

-- CreateIndex
CREATE UNIQUE INDEX "nodes_name_key" ON "nodes"("name");

-- CreateIndex
CREATE UNIQUE INDEX "nodes_instance_uuid_key" ON "nodes"("instance_uuid");

-- CreateIndex
CREATE INDEX "nodes_provision_state_idx" ON "nodes"("provision_state");

-- CreateIndex
CREATE UNIQUE INDEX "ports_uuid_key" ON "ports"("uuid");

-- CreateIndex
CREATE UNIQUE INDEX "ports_address_key" ON "ports"("address");

-- CreateIndex
CREATE INDEX "ports_node_id_idx" ON "ports"("node_id");

-- CreateIndex
CREATE UNIQUE INDEX "history_uuid_key" ON "history"("uuid");

-- CreateIndex
CREATE INDEX "history_node_uuid_id_idx" ON "history"("node_uuid", "id");

-- CreateIndex
CREATE UNIQUE INDEX "operations_run_id_key" ON "operations"("run_id");

-- CreateIndex
CREATE INDEX "operations_node_uuid_status_idx" ON "operations"("node_uuid", "status");

