-- CreateTable: deploy templates (1.55)
CREATE TABLE "deploy_templates" (
    "id" SERIAL NOT NULL,
    "uuid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "steps" TEXT NOT NULL DEFAULT '[]',
    "extra" TEXT NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),

    CONSTRAINT "deploy_templates_pkey" PRIMARY KEY ("id")
);

-- CreateTable: volume connectors and targets (1.32)
CREATE TABLE "volume_connectors" (
    "id" SERIAL NOT NULL,
    "uuid" TEXT NOT NULL,
    "node_id" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "connector_id" TEXT NOT NULL,
    "extra" TEXT NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),

    CONSTRAINT "volume_connectors_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "volume_targets" (
    "id" SERIAL NOT NULL,
    "uuid" TEXT NOT NULL,
    "node_id" INTEGER NOT NULL,
    "volume_type" TEXT NOT NULL,
    "properties" TEXT NOT NULL DEFAULT '{}',
    "boot_index" INTEGER NOT NULL,
    "volume_id" TEXT NOT NULL,
    "extra" TEXT NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),

    CONSTRAINT "volume_targets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "deploy_templates_uuid_key" ON "deploy_templates"("uuid");
CREATE UNIQUE INDEX "deploy_templates_name_key" ON "deploy_templates"("name");
CREATE UNIQUE INDEX "volume_connectors_uuid_key" ON "volume_connectors"("uuid");
CREATE UNIQUE INDEX "volume_connectors_type_connector_id_key" ON "volume_connectors"("type", "connector_id");
CREATE UNIQUE INDEX "volume_targets_uuid_key" ON "volume_targets"("uuid");
CREATE UNIQUE INDEX "volume_targets_node_id_boot_index_key" ON "volume_targets"("node_id", "boot_index");

-- AddForeignKey
ALTER TABLE "volume_connectors" ADD CONSTRAINT "volume_connectors_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "volume_targets" ADD CONSTRAINT "volume_targets_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE ON UPDATE CASCADE;
