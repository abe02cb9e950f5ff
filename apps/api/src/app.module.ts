// The API's module: controllers and the injectables they share.
import { type DynamicModule, Module } from '@nestjs/common';
import { CallbackController } from './deployments/callback.controller';
import { CallbackService } from './deployments/callback.service';
import { DiscoveryController } from './discovery/discovery.controller';
import { DiscoveryService } from './discovery/discovery.service';
import { DriversController } from './drivers/drivers.controller';
import { OperationController } from './provisioning/operation.controller';
import { OperationService } from './provisioning/operation.service';
import { HistoryController } from './history/history.controller';
import { HistoryService } from './history/history.service';
import { NodeLock } from './infra/node-lock';
import { ApiSettings } from './infra/settings';
import { Store } from './infra/store';
import { Workflows } from './infra/workflows';
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
        OperationController,
        HistoryController,
        ProvisioningController,
        PowerController,
        PortsController,
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
        NodesService,
        PortsService,
        ProvisioningService,
        PowerService,
        CallbackService,
        DiscoveryService,
        HistoryService,
        OperationService,
        TraitsService,
        AllocationsService,
      ],
    };
  }
}
