/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Metrics($runIds: [ID!]!, $keys: [String!], $maxPoints: Int!) {\n    metrics(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) {\n      runId\n      key\n      totalPoints\n      steps\n      values\n      wallTimesMs\n    }\n  }\n": typeof types.MetricsDocument,
    "\n  subscription MetricsAppended($runId: ID!) {\n    metricsAppended(runId: $runId) { runId key step value wallTimeMs }\n  }\n": typeof types.MetricsAppendedDocument,
    "\n  query AdapterFilterChoices {\n    baseModels(first: 100) { edges { node { id name } } }\n    experiments(first: 100) { edges { node { id name } } }\n    methods { method name }\n  }\n": typeof types.AdapterFilterChoicesDocument,
    "\n  query Adapter($id: ID!) {\n    adapter(id: $id) {\n      id method methodConfig source createdAt importedBy note trainableParams sizeBytes evalLoss forgettingDelta\n      downloadUrl\n      baseModel { id name }\n      run { id name status experiment { id name } dataset { id name } }\n      files { name sizeBytes sha256 downloadUrl }\n    }\n  }\n": typeof types.AdapterDocument,
    "\n  query Adapters($filter: AdapterFilter, $first: Int, $after: String) {\n    adapters(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id method methodConfig source createdAt importedBy note trainableParams sizeBytes evalLoss forgettingDelta\n          baseModel { id name }\n          run { id name experiment { id name } }\n        }\n      }\n    }\n  }\n": typeof types.AdaptersDocument,
    "\n  query EvaluateDatasets {\n    datasets(first: 100) { edges { node { id name evalRowCount } } }\n  }\n": typeof types.EvaluateDatasetsDocument,
    "\n  mutation EvaluateAdapters($input: EvaluateAdaptersInput!) {\n    evaluateAdapters(input: $input) { id }\n  }\n": typeof types.EvaluateAdaptersDocument,
    "\n  query ImportBaseModels {\n    baseModels(first: 100) { edges { node { id name status } } }\n  }\n": typeof types.ImportBaseModelsDocument,
    "\n  mutation ImportAdapter($input: ImportAdapterInput!) {\n    importAdapter(input: $input) { id }\n  }\n": typeof types.ImportAdapterDocument,
    "\n  mutation MergeAdapter($adapterId: ID!, $name: String!) {\n    mergeAdapter(adapterId: $adapterId, name: $name) { id name status mergeRunId }\n  }\n": typeof types.MergeAdapterDocument,
    "\n  query ApiKeys {\n    apiKeys(first: 100) {\n      edges { node { id name scope keyHint createdAt lastUsedAt revokedAt } }\n    }\n  }\n": typeof types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) { key apiKey { id name scope keyHint } }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) { id revokedAt }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  query ExperimentAdapters($experimentId: ID!) {\n    adapters(filter: { experimentId: $experimentId }, first: 100) { edges { node { id runId } } }\n  }\n": typeof types.ExperimentAdaptersDocument,
    "\n  query Compare($experimentId: ID, $runIds: [ID!]) {\n    compare(experimentId: $experimentId, runIds: $runIds) {\n      runId\n      experimentId\n      name\n      kind\n      inputAdapterId\n      method\n      methodConfig\n      sweepValues\n      status\n      steps\n      trainableParams\n      totalParams\n      trainablePercent\n      predictedMemory\n      predictedTotalBytes\n      measuredPeakBytes\n      peakOverPredicted\n      finalTrainLoss\n      bestTrainLoss\n      finalEvalLoss\n      bestEvalLoss\n      tokensPerSecond\n      startedAt\n      durationMs\n      forgettingDelta\n      samples { prompt output step }\n    }\n  }\n": typeof types.CompareDocument,
    "\n  query ExperimentName($id: ID!) {\n    experiment(id: $id) {\n      id name description hyperparameters dataset { name } baseModel { name } runs { id } sweep { fields }\n    }\n  }\n": typeof types.ExperimentNameDocument,
    "\n  subscription RunUpdated($experimentId: ID!) {\n    runUpdated(experimentId: $experimentId) { id status }\n  }\n": typeof types.RunUpdatedDocument,
    "\n  query ExperimentPicker {\n    experiments(first: 50) { edges { node { id name statusCounts { total succeeded } } } }\n  }\n": typeof types.ExperimentPickerDocument,
    "\n  query CostProfiles($id: ID!) {\n    experiment(id: $id) {\n      id\n      kind\n      runs {\n        id\n        name\n        method\n        status\n        statusReason\n        predicted\n        costProfile {\n          peakBytes\n          frozenBytes\n          trainableBytes\n          gradientBytes\n          optimizerBytes\n          activationBytes\n          msPerStep\n          tokensPerSecond\n          steps\n          randomWeights\n        }\n      }\n    }\n  }\n": typeof types.CostProfilesDocument,
    "\n  query DatasetPreview($id: ID!) {\n    dataset(id: $id) {\n      id\n      name\n      kind\n      rowCount\n      rows(first: 25) { index line split text prompt completion }\n    }\n  }\n": typeof types.DatasetPreviewDocument,
    "\n  query Datasets {\n    datasets(first: 100) {\n      totalCount\n      edges {\n        node { id name kind format rowCount trainRowCount evalRowCount sizeBytes contentHash createdAt }\n      }\n    }\n  }\n": typeof types.DatasetsDocument,
    "\n  mutation CreateDataset($input: CreateDatasetInput!) {\n    createDataset(input: $input) { id name rowCount trainRowCount evalRowCount }\n  }\n": typeof types.CreateDatasetDocument,
    "\n  query Estimate(\n    $model: JSON!\n    $method: JSONObject!\n    $batchSize: Int!\n    $seqLen: Int!\n    $dtype: String!\n    $optimizer: String!\n    $gradientCheckpointing: Boolean!\n  ) {\n    estimate(\n      model: $model\n      method: $method\n      batchSize: $batchSize\n      seqLen: $seqLen\n      dtype: $dtype\n      optimizer: $optimizer\n      gradientCheckpointing: $gradientCheckpointing\n    ) {\n      targetModules\n      parameters { trainable total trainablePercent peftLine }\n      memory { frozenWeights quantConstants trainableWeights gradients optimizerState activations total }\n    }\n  }\n": typeof types.EstimateDocument,
    "\n  query Experiments {\n    experiments(first: 100) {\n      totalCount\n      edges {\n        node {\n          id\n          name\n          description\n          createdAt\n          dataset { id name }\n          baseModel { id name }\n          statusCounts { queued assigned running succeeded failed cancelled total }\n          runs { id name method status }\n        }\n      }\n    }\n  }\n": typeof types.ExperimentsDocument,
    "\n  query NewExperimentData {\n    datasets(first: 100) { edges { node { id name kind rowCount } } }\n    baseModels(first: 100) { edges { node { id name status preset config } } }\n    methods {\n      method\n      name\n      description\n      fields { name type default allowed description min max }\n    }\n    modelPresets { name local parameters }\n  }\n": typeof types.NewExperimentDataDocument,
    "\n  mutation CreateExperiment($input: CreateExperimentInput!) {\n    createExperiment(input: $input) { id name runs { id } }\n  }\n": typeof types.CreateExperimentDocument,
    "\n  query PlanExperiment($input: CreateExperimentInput!) {\n    planExperiment(input: $input) { combinations runs { name } }\n  }\n": typeof types.PlanExperimentDocument,
    "\n  mutation CreateBaseModel($input: CreateBaseModelInput!) {\n    createBaseModel(input: $input) { id name }\n  }\n": typeof types.CreateBaseModelDocument,
    "\n  query FitChoices {\n    modelPresets { name parameters local }\n    gpuMemorySizes { name memoryBytes }\n    methods { method name }\n  }\n": typeof types.FitChoicesDocument,
    "\n  query FitStoredChoices {\n    baseModels(first: 100) { edges { node { id name status } } }\n    runners(first: 100) {\n      edges { node { id name status maxDeviceMemoryBytes devices { name memoryBytes } } }\n    }\n  }\n": typeof types.FitStoredChoicesDocument,
    "\n  query Fit($input: FitInput!) {\n    fit(input: $input) {\n      figuresFor modelName parameters budgetBytes budgetSource dtype batchSizes seqLens maxSearchBatch\n      methods {\n        method name dtype note trainableParameters\n        withoutCheckpointing { ...FitGridFields }\n        withCheckpointing { ...FitGridFields }\n      }\n    }\n  }\n  fragment FitGridFields on FitGrid {\n    gradientCheckpointing\n    rows {\n      seqLen unavailable largestBatch largestBatchPeakBytes nextBatchPeakBytes reachedCap\n      cells { batchSize peakBytes fits }\n    }\n  }\n": typeof types.FitDocument,
    "\n  query PlaygroundBaseModels {\n    baseModels(first: 100) { edges { node { id name status } } }\n  }\n": typeof types.PlaygroundBaseModelsDocument,
    "\n  query PlaygroundAdapters($baseModelId: ID!) {\n    adapters(filter: { baseModelId: $baseModelId }, first: 100) {\n      edges { node { id method methodConfig note run { name } } }\n    }\n  }\n": typeof types.PlaygroundAdaptersDocument,
    "\n  mutation StartPlayground($input: StartPlaygroundInput!) {\n    startPlayground(input: $input) { id }\n  }\n": typeof types.StartPlaygroundDocument,
    "\n  query PlaygroundSession($id: ID!) {\n    playgroundSession(id: $id) {\n      id prompt status statusReason createdAt\n      sampling { temperature topK maxTokens seed }\n      baseModel { id name }\n      outputs { position text tokenCount done error adapter { id method methodConfig note run { name } } }\n    }\n  }\n": typeof types.PlaygroundSessionDocument,
    "\n  subscription PlaygroundUpdated($id: ID!) {\n    playgroundUpdated(id: $id) {\n      id prompt status statusReason createdAt\n      sampling { temperature topK maxTokens seed }\n      baseModel { id name }\n      outputs { position text tokenCount done error adapter { id method methodConfig note run { name } } }\n    }\n  }\n": typeof types.PlaygroundUpdatedDocument,
    "\n  query Run($id: ID!) {\n    run(id: $id) {\n      id\n      name\n      kind\n      method\n      methodConfig\n      hyperparameters\n      status\n      statusReason\n      error\n      cancelReason\n      cancelRequestedAt\n      queuedAt\n      startedAt\n      finishedAt\n      durationMs\n      attemptCount\n      maxAttempts\n      requiredLabels\n      runnerId\n      trainableParams\n      totalParams\n      trainablePercent\n      predicted\n      predictedTotalBytes\n      measuredPeakBytes\n      finalTrainLoss\n      bestEvalLoss\n      tokensPerSecond\n      metricKeys\n      experiment { id name }\n      dataset { id name }\n      baseModel { id name }\n      statusHistory { at attempt from to reason }\n      attempts { attempt jobId runnerId runnerName status createdAt startedAt finishedAt error resumeArtifactId }\n      samples { id step prompt output }\n      output { id kind sizeBytes files { name sizeBytes sha256 downloadUrl } }\n      adapter { id downloadUrl }\n      artifacts { id kind step sizeBytes createdAt }\n    }\n  }\n": typeof types.RunDocument,
    "\n  subscription RunUpdatedForRun($experimentId: ID!) {\n    runUpdated(experimentId: $experimentId) { id status }\n  }\n": typeof types.RunUpdatedForRunDocument,
    "\n  mutation CancelRun($id: ID!, $reason: String!) {\n    cancelRun(id: $id, reason: $reason) { id status cancelRequestedAt }\n  }\n": typeof types.CancelRunDocument,
    "\n  mutation RetryRun($id: ID!) {\n    retryRun(id: $id) { id status }\n  }\n": typeof types.RetryRunDocument,
    "\n  query Runners {\n    runners(first: 100) {\n      edges {\n        node {\n          id name status backend backendSkipped labels maxJobs currentJobs freeMemoryBytes maxDeviceMemoryBytes\n          lastHeartbeatAt createdAt\n          devices { name memoryBytes }\n        }\n      }\n    }\n    registrationTokens(first: 20) {\n      edges { node { id description tokenHint singleUse expiresAt usedAt usable createdAt } }\n    }\n  }\n": typeof types.RunnersDocument,
    "\n  mutation CreateRegistrationToken($input: CreateRegistrationTokenInput!) {\n    createRegistrationToken(input: $input) { token command registrationToken { id expiresAt singleUse } }\n  }\n": typeof types.CreateRegistrationTokenDocument,
    "\n  mutation RevokeRunner($id: ID!) {\n    revokeRunner(id: $id) { id revokedAt }\n  }\n": typeof types.RevokeRunnerDocument,
    "\n  mutation RevokeRegistrationToken($id: ID!) {\n    revokeRegistrationToken(id: $id) { id revokedAt }\n  }\n": typeof types.RevokeRegistrationTokenDocument,
};
const documents: Documents = {
    "\n  query Metrics($runIds: [ID!]!, $keys: [String!], $maxPoints: Int!) {\n    metrics(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) {\n      runId\n      key\n      totalPoints\n      steps\n      values\n      wallTimesMs\n    }\n  }\n": types.MetricsDocument,
    "\n  subscription MetricsAppended($runId: ID!) {\n    metricsAppended(runId: $runId) { runId key step value wallTimeMs }\n  }\n": types.MetricsAppendedDocument,
    "\n  query AdapterFilterChoices {\n    baseModels(first: 100) { edges { node { id name } } }\n    experiments(first: 100) { edges { node { id name } } }\n    methods { method name }\n  }\n": types.AdapterFilterChoicesDocument,
    "\n  query Adapter($id: ID!) {\n    adapter(id: $id) {\n      id method methodConfig source createdAt importedBy note trainableParams sizeBytes evalLoss forgettingDelta\n      downloadUrl\n      baseModel { id name }\n      run { id name status experiment { id name } dataset { id name } }\n      files { name sizeBytes sha256 downloadUrl }\n    }\n  }\n": types.AdapterDocument,
    "\n  query Adapters($filter: AdapterFilter, $first: Int, $after: String) {\n    adapters(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id method methodConfig source createdAt importedBy note trainableParams sizeBytes evalLoss forgettingDelta\n          baseModel { id name }\n          run { id name experiment { id name } }\n        }\n      }\n    }\n  }\n": types.AdaptersDocument,
    "\n  query EvaluateDatasets {\n    datasets(first: 100) { edges { node { id name evalRowCount } } }\n  }\n": types.EvaluateDatasetsDocument,
    "\n  mutation EvaluateAdapters($input: EvaluateAdaptersInput!) {\n    evaluateAdapters(input: $input) { id }\n  }\n": types.EvaluateAdaptersDocument,
    "\n  query ImportBaseModels {\n    baseModels(first: 100) { edges { node { id name status } } }\n  }\n": types.ImportBaseModelsDocument,
    "\n  mutation ImportAdapter($input: ImportAdapterInput!) {\n    importAdapter(input: $input) { id }\n  }\n": types.ImportAdapterDocument,
    "\n  mutation MergeAdapter($adapterId: ID!, $name: String!) {\n    mergeAdapter(adapterId: $adapterId, name: $name) { id name status mergeRunId }\n  }\n": types.MergeAdapterDocument,
    "\n  query ApiKeys {\n    apiKeys(first: 100) {\n      edges { node { id name scope keyHint createdAt lastUsedAt revokedAt } }\n    }\n  }\n": types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) { key apiKey { id name scope keyHint } }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) { id revokedAt }\n  }\n": types.RevokeApiKeyDocument,
    "\n  query ExperimentAdapters($experimentId: ID!) {\n    adapters(filter: { experimentId: $experimentId }, first: 100) { edges { node { id runId } } }\n  }\n": types.ExperimentAdaptersDocument,
    "\n  query Compare($experimentId: ID, $runIds: [ID!]) {\n    compare(experimentId: $experimentId, runIds: $runIds) {\n      runId\n      experimentId\n      name\n      kind\n      inputAdapterId\n      method\n      methodConfig\n      sweepValues\n      status\n      steps\n      trainableParams\n      totalParams\n      trainablePercent\n      predictedMemory\n      predictedTotalBytes\n      measuredPeakBytes\n      peakOverPredicted\n      finalTrainLoss\n      bestTrainLoss\n      finalEvalLoss\n      bestEvalLoss\n      tokensPerSecond\n      startedAt\n      durationMs\n      forgettingDelta\n      samples { prompt output step }\n    }\n  }\n": types.CompareDocument,
    "\n  query ExperimentName($id: ID!) {\n    experiment(id: $id) {\n      id name description hyperparameters dataset { name } baseModel { name } runs { id } sweep { fields }\n    }\n  }\n": types.ExperimentNameDocument,
    "\n  subscription RunUpdated($experimentId: ID!) {\n    runUpdated(experimentId: $experimentId) { id status }\n  }\n": types.RunUpdatedDocument,
    "\n  query ExperimentPicker {\n    experiments(first: 50) { edges { node { id name statusCounts { total succeeded } } } }\n  }\n": types.ExperimentPickerDocument,
    "\n  query CostProfiles($id: ID!) {\n    experiment(id: $id) {\n      id\n      kind\n      runs {\n        id\n        name\n        method\n        status\n        statusReason\n        predicted\n        costProfile {\n          peakBytes\n          frozenBytes\n          trainableBytes\n          gradientBytes\n          optimizerBytes\n          activationBytes\n          msPerStep\n          tokensPerSecond\n          steps\n          randomWeights\n        }\n      }\n    }\n  }\n": types.CostProfilesDocument,
    "\n  query DatasetPreview($id: ID!) {\n    dataset(id: $id) {\n      id\n      name\n      kind\n      rowCount\n      rows(first: 25) { index line split text prompt completion }\n    }\n  }\n": types.DatasetPreviewDocument,
    "\n  query Datasets {\n    datasets(first: 100) {\n      totalCount\n      edges {\n        node { id name kind format rowCount trainRowCount evalRowCount sizeBytes contentHash createdAt }\n      }\n    }\n  }\n": types.DatasetsDocument,
    "\n  mutation CreateDataset($input: CreateDatasetInput!) {\n    createDataset(input: $input) { id name rowCount trainRowCount evalRowCount }\n  }\n": types.CreateDatasetDocument,
    "\n  query Estimate(\n    $model: JSON!\n    $method: JSONObject!\n    $batchSize: Int!\n    $seqLen: Int!\n    $dtype: String!\n    $optimizer: String!\n    $gradientCheckpointing: Boolean!\n  ) {\n    estimate(\n      model: $model\n      method: $method\n      batchSize: $batchSize\n      seqLen: $seqLen\n      dtype: $dtype\n      optimizer: $optimizer\n      gradientCheckpointing: $gradientCheckpointing\n    ) {\n      targetModules\n      parameters { trainable total trainablePercent peftLine }\n      memory { frozenWeights quantConstants trainableWeights gradients optimizerState activations total }\n    }\n  }\n": types.EstimateDocument,
    "\n  query Experiments {\n    experiments(first: 100) {\n      totalCount\n      edges {\n        node {\n          id\n          name\n          description\n          createdAt\n          dataset { id name }\n          baseModel { id name }\n          statusCounts { queued assigned running succeeded failed cancelled total }\n          runs { id name method status }\n        }\n      }\n    }\n  }\n": types.ExperimentsDocument,
    "\n  query NewExperimentData {\n    datasets(first: 100) { edges { node { id name kind rowCount } } }\n    baseModels(first: 100) { edges { node { id name status preset config } } }\n    methods {\n      method\n      name\n      description\n      fields { name type default allowed description min max }\n    }\n    modelPresets { name local parameters }\n  }\n": types.NewExperimentDataDocument,
    "\n  mutation CreateExperiment($input: CreateExperimentInput!) {\n    createExperiment(input: $input) { id name runs { id } }\n  }\n": types.CreateExperimentDocument,
    "\n  query PlanExperiment($input: CreateExperimentInput!) {\n    planExperiment(input: $input) { combinations runs { name } }\n  }\n": types.PlanExperimentDocument,
    "\n  mutation CreateBaseModel($input: CreateBaseModelInput!) {\n    createBaseModel(input: $input) { id name }\n  }\n": types.CreateBaseModelDocument,
    "\n  query FitChoices {\n    modelPresets { name parameters local }\n    gpuMemorySizes { name memoryBytes }\n    methods { method name }\n  }\n": types.FitChoicesDocument,
    "\n  query FitStoredChoices {\n    baseModels(first: 100) { edges { node { id name status } } }\n    runners(first: 100) {\n      edges { node { id name status maxDeviceMemoryBytes devices { name memoryBytes } } }\n    }\n  }\n": types.FitStoredChoicesDocument,
    "\n  query Fit($input: FitInput!) {\n    fit(input: $input) {\n      figuresFor modelName parameters budgetBytes budgetSource dtype batchSizes seqLens maxSearchBatch\n      methods {\n        method name dtype note trainableParameters\n        withoutCheckpointing { ...FitGridFields }\n        withCheckpointing { ...FitGridFields }\n      }\n    }\n  }\n  fragment FitGridFields on FitGrid {\n    gradientCheckpointing\n    rows {\n      seqLen unavailable largestBatch largestBatchPeakBytes nextBatchPeakBytes reachedCap\n      cells { batchSize peakBytes fits }\n    }\n  }\n": types.FitDocument,
    "\n  query PlaygroundBaseModels {\n    baseModels(first: 100) { edges { node { id name status } } }\n  }\n": types.PlaygroundBaseModelsDocument,
    "\n  query PlaygroundAdapters($baseModelId: ID!) {\n    adapters(filter: { baseModelId: $baseModelId }, first: 100) {\n      edges { node { id method methodConfig note run { name } } }\n    }\n  }\n": types.PlaygroundAdaptersDocument,
    "\n  mutation StartPlayground($input: StartPlaygroundInput!) {\n    startPlayground(input: $input) { id }\n  }\n": types.StartPlaygroundDocument,
    "\n  query PlaygroundSession($id: ID!) {\n    playgroundSession(id: $id) {\n      id prompt status statusReason createdAt\n      sampling { temperature topK maxTokens seed }\n      baseModel { id name }\n      outputs { position text tokenCount done error adapter { id method methodConfig note run { name } } }\n    }\n  }\n": types.PlaygroundSessionDocument,
    "\n  subscription PlaygroundUpdated($id: ID!) {\n    playgroundUpdated(id: $id) {\n      id prompt status statusReason createdAt\n      sampling { temperature topK maxTokens seed }\n      baseModel { id name }\n      outputs { position text tokenCount done error adapter { id method methodConfig note run { name } } }\n    }\n  }\n": types.PlaygroundUpdatedDocument,
    "\n  query Run($id: ID!) {\n    run(id: $id) {\n      id\n      name\n      kind\n      method\n      methodConfig\n      hyperparameters\n      status\n      statusReason\n      error\n      cancelReason\n      cancelRequestedAt\n      queuedAt\n      startedAt\n      finishedAt\n      durationMs\n      attemptCount\n      maxAttempts\n      requiredLabels\n      runnerId\n      trainableParams\n      totalParams\n      trainablePercent\n      predicted\n      predictedTotalBytes\n      measuredPeakBytes\n      finalTrainLoss\n      bestEvalLoss\n      tokensPerSecond\n      metricKeys\n      experiment { id name }\n      dataset { id name }\n      baseModel { id name }\n      statusHistory { at attempt from to reason }\n      attempts { attempt jobId runnerId runnerName status createdAt startedAt finishedAt error resumeArtifactId }\n      samples { id step prompt output }\n      output { id kind sizeBytes files { name sizeBytes sha256 downloadUrl } }\n      adapter { id downloadUrl }\n      artifacts { id kind step sizeBytes createdAt }\n    }\n  }\n": types.RunDocument,
    "\n  subscription RunUpdatedForRun($experimentId: ID!) {\n    runUpdated(experimentId: $experimentId) { id status }\n  }\n": types.RunUpdatedForRunDocument,
    "\n  mutation CancelRun($id: ID!, $reason: String!) {\n    cancelRun(id: $id, reason: $reason) { id status cancelRequestedAt }\n  }\n": types.CancelRunDocument,
    "\n  mutation RetryRun($id: ID!) {\n    retryRun(id: $id) { id status }\n  }\n": types.RetryRunDocument,
    "\n  query Runners {\n    runners(first: 100) {\n      edges {\n        node {\n          id name status backend backendSkipped labels maxJobs currentJobs freeMemoryBytes maxDeviceMemoryBytes\n          lastHeartbeatAt createdAt\n          devices { name memoryBytes }\n        }\n      }\n    }\n    registrationTokens(first: 20) {\n      edges { node { id description tokenHint singleUse expiresAt usedAt usable createdAt } }\n    }\n  }\n": types.RunnersDocument,
    "\n  mutation CreateRegistrationToken($input: CreateRegistrationTokenInput!) {\n    createRegistrationToken(input: $input) { token command registrationToken { id expiresAt singleUse } }\n  }\n": types.CreateRegistrationTokenDocument,
    "\n  mutation RevokeRunner($id: ID!) {\n    revokeRunner(id: $id) { id revokedAt }\n  }\n": types.RevokeRunnerDocument,
    "\n  mutation RevokeRegistrationToken($id: ID!) {\n    revokeRegistrationToken(id: $id) { id revokedAt }\n  }\n": types.RevokeRegistrationTokenDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Metrics($runIds: [ID!]!, $keys: [String!], $maxPoints: Int!) {\n    metrics(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) {\n      runId\n      key\n      totalPoints\n      steps\n      values\n      wallTimesMs\n    }\n  }\n"): typeof import('./graphql').MetricsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MetricsAppended($runId: ID!) {\n    metricsAppended(runId: $runId) { runId key step value wallTimeMs }\n  }\n"): typeof import('./graphql').MetricsAppendedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AdapterFilterChoices {\n    baseModels(first: 100) { edges { node { id name } } }\n    experiments(first: 100) { edges { node { id name } } }\n    methods { method name }\n  }\n"): typeof import('./graphql').AdapterFilterChoicesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Adapter($id: ID!) {\n    adapter(id: $id) {\n      id method methodConfig source createdAt importedBy note trainableParams sizeBytes evalLoss forgettingDelta\n      downloadUrl\n      baseModel { id name }\n      run { id name status experiment { id name } dataset { id name } }\n      files { name sizeBytes sha256 downloadUrl }\n    }\n  }\n"): typeof import('./graphql').AdapterDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Adapters($filter: AdapterFilter, $first: Int, $after: String) {\n    adapters(filter: $filter, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges {\n        node {\n          id method methodConfig source createdAt importedBy note trainableParams sizeBytes evalLoss forgettingDelta\n          baseModel { id name }\n          run { id name experiment { id name } }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').AdaptersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EvaluateDatasets {\n    datasets(first: 100) { edges { node { id name evalRowCount } } }\n  }\n"): typeof import('./graphql').EvaluateDatasetsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EvaluateAdapters($input: EvaluateAdaptersInput!) {\n    evaluateAdapters(input: $input) { id }\n  }\n"): typeof import('./graphql').EvaluateAdaptersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ImportBaseModels {\n    baseModels(first: 100) { edges { node { id name status } } }\n  }\n"): typeof import('./graphql').ImportBaseModelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ImportAdapter($input: ImportAdapterInput!) {\n    importAdapter(input: $input) { id }\n  }\n"): typeof import('./graphql').ImportAdapterDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MergeAdapter($adapterId: ID!, $name: String!) {\n    mergeAdapter(adapterId: $adapterId, name: $name) { id name status mergeRunId }\n  }\n"): typeof import('./graphql').MergeAdapterDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiKeys {\n    apiKeys(first: 100) {\n      edges { node { id name scope keyHint createdAt lastUsedAt revokedAt } }\n    }\n  }\n"): typeof import('./graphql').ApiKeysDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) { key apiKey { id name scope keyHint } }\n  }\n"): typeof import('./graphql').CreateApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) { id revokedAt }\n  }\n"): typeof import('./graphql').RevokeApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExperimentAdapters($experimentId: ID!) {\n    adapters(filter: { experimentId: $experimentId }, first: 100) { edges { node { id runId } } }\n  }\n"): typeof import('./graphql').ExperimentAdaptersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Compare($experimentId: ID, $runIds: [ID!]) {\n    compare(experimentId: $experimentId, runIds: $runIds) {\n      runId\n      experimentId\n      name\n      kind\n      inputAdapterId\n      method\n      methodConfig\n      sweepValues\n      status\n      steps\n      trainableParams\n      totalParams\n      trainablePercent\n      predictedMemory\n      predictedTotalBytes\n      measuredPeakBytes\n      peakOverPredicted\n      finalTrainLoss\n      bestTrainLoss\n      finalEvalLoss\n      bestEvalLoss\n      tokensPerSecond\n      startedAt\n      durationMs\n      forgettingDelta\n      samples { prompt output step }\n    }\n  }\n"): typeof import('./graphql').CompareDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExperimentName($id: ID!) {\n    experiment(id: $id) {\n      id name description hyperparameters dataset { name } baseModel { name } runs { id } sweep { fields }\n    }\n  }\n"): typeof import('./graphql').ExperimentNameDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunUpdated($experimentId: ID!) {\n    runUpdated(experimentId: $experimentId) { id status }\n  }\n"): typeof import('./graphql').RunUpdatedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExperimentPicker {\n    experiments(first: 50) { edges { node { id name statusCounts { total succeeded } } } }\n  }\n"): typeof import('./graphql').ExperimentPickerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CostProfiles($id: ID!) {\n    experiment(id: $id) {\n      id\n      kind\n      runs {\n        id\n        name\n        method\n        status\n        statusReason\n        predicted\n        costProfile {\n          peakBytes\n          frozenBytes\n          trainableBytes\n          gradientBytes\n          optimizerBytes\n          activationBytes\n          msPerStep\n          tokensPerSecond\n          steps\n          randomWeights\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').CostProfilesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DatasetPreview($id: ID!) {\n    dataset(id: $id) {\n      id\n      name\n      kind\n      rowCount\n      rows(first: 25) { index line split text prompt completion }\n    }\n  }\n"): typeof import('./graphql').DatasetPreviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Datasets {\n    datasets(first: 100) {\n      totalCount\n      edges {\n        node { id name kind format rowCount trainRowCount evalRowCount sizeBytes contentHash createdAt }\n      }\n    }\n  }\n"): typeof import('./graphql').DatasetsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateDataset($input: CreateDatasetInput!) {\n    createDataset(input: $input) { id name rowCount trainRowCount evalRowCount }\n  }\n"): typeof import('./graphql').CreateDatasetDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Estimate(\n    $model: JSON!\n    $method: JSONObject!\n    $batchSize: Int!\n    $seqLen: Int!\n    $dtype: String!\n    $optimizer: String!\n    $gradientCheckpointing: Boolean!\n  ) {\n    estimate(\n      model: $model\n      method: $method\n      batchSize: $batchSize\n      seqLen: $seqLen\n      dtype: $dtype\n      optimizer: $optimizer\n      gradientCheckpointing: $gradientCheckpointing\n    ) {\n      targetModules\n      parameters { trainable total trainablePercent peftLine }\n      memory { frozenWeights quantConstants trainableWeights gradients optimizerState activations total }\n    }\n  }\n"): typeof import('./graphql').EstimateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Experiments {\n    experiments(first: 100) {\n      totalCount\n      edges {\n        node {\n          id\n          name\n          description\n          createdAt\n          dataset { id name }\n          baseModel { id name }\n          statusCounts { queued assigned running succeeded failed cancelled total }\n          runs { id name method status }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').ExperimentsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NewExperimentData {\n    datasets(first: 100) { edges { node { id name kind rowCount } } }\n    baseModels(first: 100) { edges { node { id name status preset config } } }\n    methods {\n      method\n      name\n      description\n      fields { name type default allowed description min max }\n    }\n    modelPresets { name local parameters }\n  }\n"): typeof import('./graphql').NewExperimentDataDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateExperiment($input: CreateExperimentInput!) {\n    createExperiment(input: $input) { id name runs { id } }\n  }\n"): typeof import('./graphql').CreateExperimentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PlanExperiment($input: CreateExperimentInput!) {\n    planExperiment(input: $input) { combinations runs { name } }\n  }\n"): typeof import('./graphql').PlanExperimentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateBaseModel($input: CreateBaseModelInput!) {\n    createBaseModel(input: $input) { id name }\n  }\n"): typeof import('./graphql').CreateBaseModelDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FitChoices {\n    modelPresets { name parameters local }\n    gpuMemorySizes { name memoryBytes }\n    methods { method name }\n  }\n"): typeof import('./graphql').FitChoicesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FitStoredChoices {\n    baseModels(first: 100) { edges { node { id name status } } }\n    runners(first: 100) {\n      edges { node { id name status maxDeviceMemoryBytes devices { name memoryBytes } } }\n    }\n  }\n"): typeof import('./graphql').FitStoredChoicesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Fit($input: FitInput!) {\n    fit(input: $input) {\n      figuresFor modelName parameters budgetBytes budgetSource dtype batchSizes seqLens maxSearchBatch\n      methods {\n        method name dtype note trainableParameters\n        withoutCheckpointing { ...FitGridFields }\n        withCheckpointing { ...FitGridFields }\n      }\n    }\n  }\n  fragment FitGridFields on FitGrid {\n    gradientCheckpointing\n    rows {\n      seqLen unavailable largestBatch largestBatchPeakBytes nextBatchPeakBytes reachedCap\n      cells { batchSize peakBytes fits }\n    }\n  }\n"): typeof import('./graphql').FitDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PlaygroundBaseModels {\n    baseModels(first: 100) { edges { node { id name status } } }\n  }\n"): typeof import('./graphql').PlaygroundBaseModelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PlaygroundAdapters($baseModelId: ID!) {\n    adapters(filter: { baseModelId: $baseModelId }, first: 100) {\n      edges { node { id method methodConfig note run { name } } }\n    }\n  }\n"): typeof import('./graphql').PlaygroundAdaptersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartPlayground($input: StartPlaygroundInput!) {\n    startPlayground(input: $input) { id }\n  }\n"): typeof import('./graphql').StartPlaygroundDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PlaygroundSession($id: ID!) {\n    playgroundSession(id: $id) {\n      id prompt status statusReason createdAt\n      sampling { temperature topK maxTokens seed }\n      baseModel { id name }\n      outputs { position text tokenCount done error adapter { id method methodConfig note run { name } } }\n    }\n  }\n"): typeof import('./graphql').PlaygroundSessionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PlaygroundUpdated($id: ID!) {\n    playgroundUpdated(id: $id) {\n      id prompt status statusReason createdAt\n      sampling { temperature topK maxTokens seed }\n      baseModel { id name }\n      outputs { position text tokenCount done error adapter { id method methodConfig note run { name } } }\n    }\n  }\n"): typeof import('./graphql').PlaygroundUpdatedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Run($id: ID!) {\n    run(id: $id) {\n      id\n      name\n      kind\n      method\n      methodConfig\n      hyperparameters\n      status\n      statusReason\n      error\n      cancelReason\n      cancelRequestedAt\n      queuedAt\n      startedAt\n      finishedAt\n      durationMs\n      attemptCount\n      maxAttempts\n      requiredLabels\n      runnerId\n      trainableParams\n      totalParams\n      trainablePercent\n      predicted\n      predictedTotalBytes\n      measuredPeakBytes\n      finalTrainLoss\n      bestEvalLoss\n      tokensPerSecond\n      metricKeys\n      experiment { id name }\n      dataset { id name }\n      baseModel { id name }\n      statusHistory { at attempt from to reason }\n      attempts { attempt jobId runnerId runnerName status createdAt startedAt finishedAt error resumeArtifactId }\n      samples { id step prompt output }\n      output { id kind sizeBytes files { name sizeBytes sha256 downloadUrl } }\n      adapter { id downloadUrl }\n      artifacts { id kind step sizeBytes createdAt }\n    }\n  }\n"): typeof import('./graphql').RunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunUpdatedForRun($experimentId: ID!) {\n    runUpdated(experimentId: $experimentId) { id status }\n  }\n"): typeof import('./graphql').RunUpdatedForRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelRun($id: ID!, $reason: String!) {\n    cancelRun(id: $id, reason: $reason) { id status cancelRequestedAt }\n  }\n"): typeof import('./graphql').CancelRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryRun($id: ID!) {\n    retryRun(id: $id) { id status }\n  }\n"): typeof import('./graphql').RetryRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Runners {\n    runners(first: 100) {\n      edges {\n        node {\n          id name status backend backendSkipped labels maxJobs currentJobs freeMemoryBytes maxDeviceMemoryBytes\n          lastHeartbeatAt createdAt\n          devices { name memoryBytes }\n        }\n      }\n    }\n    registrationTokens(first: 20) {\n      edges { node { id description tokenHint singleUse expiresAt usedAt usable createdAt } }\n    }\n  }\n"): typeof import('./graphql').RunnersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateRegistrationToken($input: CreateRegistrationTokenInput!) {\n    createRegistrationToken(input: $input) { token command registrationToken { id expiresAt singleUse } }\n  }\n"): typeof import('./graphql').CreateRegistrationTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeRunner($id: ID!) {\n    revokeRunner(id: $id) { id revokedAt }\n  }\n"): typeof import('./graphql').RevokeRunnerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeRegistrationToken($id: ID!) {\n    revokeRegistrationToken(id: $id) { id revokedAt }\n  }\n"): typeof import('./graphql').RevokeRegistrationTokenDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
