-- CreateTable: chassis and port groups (1.23 / 1.26)
CREATE TABLE "chassis" (
    "id" SERIAL NOT NULL,
    "uuid" TEXT NOT NULL,
    "description" TEXT,
    "extra" TEXT NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),

    CONSTRAINT "chassis_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "portgroups" (
    "id" SERIAL NOT NULL,
    "uuid" TEXT NOT NULL,
    "name" TEXT,
    "address" TEXT,
    "node_id" INTEGER NOT NULL,
    "standalone_ports_supported" BOOLEAN NOT NULL DEFAULT true,
    "mode" TEXT NOT NULL DEFAULT 'active-backup',
    "properties" TEXT NOT NULL DEFAULT '{}',
    "extra" TEXT NOT NULL DEFAULT '{}',
    "internal_info" TEXT NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),

    CONSTRAINT "portgroups_pkey" PRIMARY KEY ("id")
);

-- AlterTable: a node's chassis; a port's group and internal_info (VIFs, 1.28)
ALTER TABLE "nodes" ADD COLUMN "chassis_uuid" TEXT;
ALTER TABLE "ports" ADD COLUMN "portgroup_uuid" TEXT;
ALTER TABLE "ports" ADD COLUMN "internal_info" TEXT NOT NULL DEFAULT '{}';

-- CreateIndex
CREATE UNIQUE INDEX "chassis_uuid_key" ON "chassis"("uuid");
CREATE UNIQUE INDEX "portgroups_uuid_key" ON "portgroups"("uuid");
CREATE UNIQUE INDEX "portgroups_name_key" ON "portgroups"("name");
CREATE UNIQUE INDEX "portgroups_address_key" ON "portgroups"("address");
CREATE INDEX "portgroups_node_id_idx" ON "portgroups"("node_id");
CREATE INDEX "ports_portgroup_uuid_idx" ON "ports"("portgroup_uuid");
CREATE INDEX "nodes_chassis_uuid_idx" ON "nodes"("chassis_uuid");

-- AddForeignKey
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_chassis_uuid_fkey" FOREIGN KEY ("chassis_uuid") REFERENCES "chassis"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "ports" ADD CONSTRAINT "ports_portgroup_uuid_fkey" FOREIGN KEY ("portgroup_uuid") REFERENCES "portgroups"("uuid") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "portgroups" ADD CONSTRAINT "portgroups_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE ON UPDATE CASCADE;
