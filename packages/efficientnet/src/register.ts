// Side-effect entry `@op-screen/efficientnet/register`: importing it registers the zoo's custom
// layers. It exists for processes that rebuild zoo models from JSON without importing the zoo
// otherwise, such as @op-screen/train's replica workers (pass `zooLayersModule()` as one of
// their `replicaModules`). It is listed in package.json `sideEffects`.
import { registerZooLayers } from './layers.js';

registerZooLayers();
