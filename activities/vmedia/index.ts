// Public surface of the virtual-media unit: the deploy ISO (render, build, remove).
export { isoKernelParams, renderGrubConfig, renderIsolinuxConfig, staticAddress, type DeployIsoParams, type StaticNetwork } from './render';
export { buildDeployIso, deployIsoFile, removeDeployIsos, ISO_BOOT_FILES, type DeployIso } from './deploy-iso';
