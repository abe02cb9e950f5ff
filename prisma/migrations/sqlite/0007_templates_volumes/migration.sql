-- CreateTable: deploy templates (1.55)
CREATE TABLE "deploy_templates" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "uuid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "steps" TEXT NOT NULL DEFAULT '[]',
    "extra" TEXT NOT NULL DEFAULT '{}',
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME
);

-- CreateTable: volume connectors and targets (1.32)
CREATE TABLE "volume_connectors" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "uuid" TEXT NOT NULL,
    "node_id" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "connector_id" TEXT NOT NULL,
    "extra" TEXT NOT NULL DEFAULT '{}',
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME,
    CONSTRAINT "volume_connectors_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "volume_targets" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "uuid" TEXT NOT NULL,
    "node_id" INTEGER NOT NULL,
    "volume_type" TEXT NOT NULL,
    "properties" TEXT NOT NULL DEFAULT '{}',
    "boot_index" INTEGER NOT NULL,
    "volume_id" TEXT NOT NULL,
    "extra" TEXT NOT NULL DEFAULT '{}',
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME,
    CONSTRAINT "volume_targets_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "deploy_templates_uuid_key" ON "deploy_templates"("uuid");
CREATE UNIQUE INDEX "deploy_templates_name_key" ON "deploy_templates"("name");
CREATE UNIQUE INDEX "volume_connectors_uuid_key" ON "volume_connectors"("uuid");
CREATE UNIQUE INDEX "volume_connectors_type_connector_id_key" ON "volume_connectors"("type", "connector_id");
CREATE UNIQUE INDEX "volume_targets_uuid_key" ON "volume_targets"("uuid");
CREATE UNIQUE INDEX "volume_targets_node_id_boot_index_key" ON "volume_targets"("node_id", "boot_index");
