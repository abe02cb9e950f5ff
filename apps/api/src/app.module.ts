// The API's module: controllers and the injectables they share.
import { type DynamicModule, Module } from '@nestjs/common';
import { CallbackController } from './deployments/callback.controller';
import { CallbackService } from './deployments/callback.service';
import { CommandWatch } from './deployments/command-watch';
import { ConductorsController } from './conductors/conductors.controller';
import { ConductorsService } from './conductors/conductors.service';
import { DeployTemplatesController } from './deploy-templates/deploy-templates.controller';
import { DeployTemplatesService } from './deploy-templates/deploy-templates.service';
import { NodeVolumeController, VolumeController } from './volume/volume.controller';
import { VolumeService } from './volume/volume.service';
import { DiscoveryController } from './discovery/discovery.controller';
import { DiscoveryService } from './discovery/discovery.service';
import { DriversController } from './drivers/drivers.controller';
import { OperationController } from './provisioning/operation.controller';
import { OperationService } from './provisioning/operation.service';
import { HistoryController } from './history/history.controller';
import { HistoryService } from './history/history.service';
import { NodeLock } from './infra/node-lock';
import { InventoryController } from './inspection/inventory.controller';
import { InventoryService } from './inspection/inventory.service';
import { ApiSettings } from './infra/settings';
import { Store } from './infra/store';
import { Workflows } from './infra/workflows';
import { ManagementController } from './management/management.controller';
import { NodesController } from './nodes/nodes.controller';
import { NodesService } from './nodes/nodes.service';
import { PortsController } from './ports/ports.controller';
import { PowerController } from './power/power.controller';
import { PowerService } from './power/power.service';
import { PortsService } from './ports/ports.service';
import { ProvisioningController } from './provisioning/provisioning.controller';
import { ProvisioningService } from './provisioning/provisioning.service';
import { RootController } from './root/root.controller';
import { ShardsController } from './shards/shards.controller';
import { AllocationsController, NodeAllocationController } from './allocations/allocations.controller';
import { AllocationsService } from './allocations/allocations.service';
import { TraitsController } from './traits/traits.controller';
import { TraitsService } from './traits/traits.service';
import { PortgroupsController } from './portgroups/portgroups.controller';
import { PortgroupsService } from './portgroups/portgroups.service';
import { VifsController } from './vifs/vifs.controller';
import { VifsService } from './vifs/vifs.service';
import { ChassisController } from './chassis/chassis.controller';
import { ChassisService } from './chassis/chassis.service';

export interface AppDeps {
  store: Store;
  workflows: Workflows;
  settings: ApiSettings;
}

@Module({})
export class AppModule {
  static register(deps: AppDeps): DynamicModule {
    return {
      module: AppModule,
      // Order matters where paths overlap: literal segments (detail, validate, history) before :ident.
      controllers: [
        RootController,
        CallbackController,
        DiscoveryController,
        DriversController,
        ConductorsController,
        DeployTemplatesController,
        VolumeController,
        NodeVolumeController,
        OperationController,
        HistoryController,
        InventoryController,
        ProvisioningController,
        PowerController,
        ManagementController,
        PortsController,
        PortgroupsController,
        VifsController,
        ChassisController,
        ShardsController,
        TraitsController,
        AllocationsController,
        NodeAllocationController,
        NodesController,
      ],
      providers: [
        { provide: Store, useValue: deps.store },
        { provide: Workflows, useValue: deps.workflows },
        { provide: ApiSettings, useValue: deps.settings },
        NodeLock,
        InventoryService,
        NodesService,
        PortsService,
        ProvisioningService,
        PowerService,
        CallbackService,
        CommandWatch,
        DiscoveryService,
        HistoryService,
        OperationService,
        TraitsService,
        AllocationsService,
        PortgroupsService,
        VifsService,
        ChassisService,
        ConductorsService,
        DeployTemplatesService,
        VolumeService,
      ],
    };
  }
}
