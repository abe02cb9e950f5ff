-- AlterTable
ALTER TABLE "nodes" ADD COLUMN "boot_mode" TEXT;
