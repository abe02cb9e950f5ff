// Public surface of the PXE unit: render boot files (pure) and write/remove them under a boot root.
export {
  renderPxelinuxConfig,
  renderIpxeScript,
  renderIpxeChainScript,
  renderDnsmasqHost,
  pxeConfigFileName,
  ipxeScriptFileName,
  type BootConfig,
  type RenderOptions,
  type DnsmasqHostOptions,
} from './render';
export { deployKernelParams, discoverKernelParams, type DeployKernelParams, type DeployMode } from './kernel-params';
export {
  writeBootConfigs,
  removeBootConfigs,
  writeDefaultBootConfig,
  removeDefaultBootConfig,
  DEFAULT_BOOT_FILES,
  BootRootEscapeError,
  type BootSpec,
  type WriteBootConfigsInput,
  type WriteBootConfigsResult,
} from './boot-files';
export { InvalidBootParameterError, normalizeMac } from './validate';
