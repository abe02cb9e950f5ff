-- AlterTable
ALTER TABLE "nodes" ADD COLUMN "deploy_step" TEXT NOT NULL DEFAULT '{}';
ALTER TABLE "nodes" ADD COLUMN "clean_step" TEXT NOT NULL DEFAULT '{}';
