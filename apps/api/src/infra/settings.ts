// The API's typed configuration slice that services need.
import type { EraseMode } from '#workflows/contracts/deploy';
import type { BootMode } from '#workflows/domain/boot-mode';
import { DEFAULT_IMAGE_ALLOWED_NETWORKS, parseCidrList, type Cidr } from '#workflows/domain/image-networks';

export class ApiSettings {
  constructor(
    /** Shown as `conductor` and in lock messages. */
    readonly conductor: string,
    /** Page size cap for collections. */
    readonly maxLimit: number,
    readonly taskQueue: string,
    /** Erase mode of automated cleaning (provide, undeploy); a node's automated_clean=false skips it. */
    readonly automatedClean: EraseMode | 'none' = 'metadata',
    /** How long a deploy waits for the ramdisk's callback. */
    readonly callbackTimeoutSec: number = 600,
    /** Non-public networks an image URL's literal address may be in (IRONFLOW_IMAGE_ALLOWED_NETWORKS). */
    readonly imageAllowedNetworks: readonly Cidr[] = parseCidrList(DEFAULT_IMAGE_ALLOWED_NETWORKS),
    /** Where `<node name>/console.log` files are (IRONFLOW_CONSOLE_LOG_DIR); null: no console tails. */
    readonly consoleLogDir: string | null = null,
    /** Boot mode of a node that names none (IRONFLOW_DEFAULT_BOOT_MODE). */
    readonly defaultBootMode: BootMode = 'bios',
    /** How long an inspection waits for the ramdisk's inventory (IRONFLOW_INSPECT_TIMEOUT; Ironic's inspect_wait_timeout). */
    readonly inspectTimeoutSec: number = 1800,
  ) {}
}
