-- AlterTable: inspection times (Ironic's inspection_started_at / inspection_finished_at)
ALTER TABLE "nodes" ADD COLUMN "inspection_started_at" DATETIME;
ALTER TABLE "nodes" ADD COLUMN "inspection_finished_at" DATETIME;

-- CreateTable: inventories reported by the inspection ramdisk
CREATE TABLE "node_inventories" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "node_id" INTEGER NOT NULL,
    "deployment_id" TEXT NOT NULL,
    "inventory" TEXT NOT NULL,
    "plugin_data" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "applied_at" DATETIME,
    CONSTRAINT "node_inventories_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "node_inventories_deployment_id_key" ON "node_inventories"("deployment_id");
CREATE INDEX "node_inventories_node_id_applied_at_idx" ON "node_inventories"("node_id", "applied_at");
