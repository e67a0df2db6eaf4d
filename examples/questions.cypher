// Questions a user asks of a kgbuild graph, in Cypher: the same ids, parameters and columns as questions.sparql.
//
// Each question starts at a "// name: <question-id>" line, followed by "// question:", "// params:" (comma-
// separated, empty for none) and "// columns:" header lines; comment lines are not part of the query.
// Parameters are $name, bound by the caller, never pasted into the text:
//     kgbuild.sinks.cypher_store.query_cypher("kg.lbug", "q3_fastest_on_hardware", hardware="H100")
//     cypher-shell:  :param hardware => 'H100'   then paste the query
//
// One subset of Cypher that runs unchanged on Neo4j 5, FalkorDB 4.16 (over Bolt) and LadybugDB 0.22:
// * case-insensitive matching with toLower() (Neo4j before 2025 and FalkorDB have no lower());
// * a parameter used inside any(... WHERE ...) is first bound with WITH: Ladybug fails on $x inside a list
//   predicate;
// * no labels(n): Ladybug's returns a string, Neo4j's a list, so q4 is a UNION with one branch per label;
// * no ORDER BY after UNION (Neo4j refuses it), so q4's rows come unordered;
// * a property named `end` (provenance offset) needs backticks in Ladybug, where END is a keyword.
//
// Conventions shared with the SPARQL versions:
// * a name parameter matches a node's name or any alias, case-insensitively;
// * claim, paper and entity columns are node ids "<kind>:<slug>", other columns are names or values;
// * method / baseline of a claim: the name of its ACHIEVED_BY / OVER node, else the claim's own text, else null
//   (the Cypher sinks store empty strings as null, as the RDF sink leaves them out).

// name: q1_vendor_speedups
// question: Which methods report speedups on a vendor's hardware (e.g. AMD), and over which baselines?
// params: vendor
// columns: claim, method, baseline, hardware, value, unit, metric, paper
WITH toLower($vendor) AS key
MATCH (v:Vendor)<-[:MADE_BY]-(h:Hardware)<-[:MEASURED_ON]-(c:SpeedupClaim)
WHERE toLower(v.name) = key OR any(a IN v.aliases WHERE toLower(a) = key)
OPTIONAL MATCH (c)-[:ACHIEVED_BY]->(m)
OPTIONAL MATCH (c)-[:OVER]->(b)
OPTIONAL MATCH (p:Paper)-[:REPORTS]->(c)
RETURN DISTINCT c.id AS claim, coalesce(m.name, c.method) AS method, coalesce(b.name, c.baseline) AS baseline,
       h.name AS hardware, c.value AS value, c.unit AS unit, c.metric AS metric, p.id AS paper
ORDER BY method, value DESC, claim

// name: q2_family_datasets
// question: Which datasets is a model family (e.g. Llama 2) evaluated on, by which of its models?
// params: family
// columns: model, dataset
WITH toLower($family) AS key
MATCH (m:Model)-[:VARIANT_OF*0..]->(f:Model)
WHERE toLower(m.family) = key OR toLower(f.name) = key OR any(a IN f.aliases WHERE toLower(a) = key)
MATCH (m)-[:EVALUATED_ON]->(d:Dataset)
RETURN DISTINCT m.name AS model, d.name AS dataset
ORDER BY dataset, model

// name: q3_fastest_on_hardware
// question: What runs fastest on a device (e.g. H100, or any variant of it)? Its speedup claims, largest value first.
// params: hardware
// columns: claim, method, baseline, value, unit, metric, qualifier, paper
WITH toLower($hardware) AS key
MATCH (named:Hardware)
WHERE toLower(named.name) = key OR any(a IN named.aliases WHERE toLower(a) = key)
MATCH (c:SpeedupClaim)-[:MEASURED_ON]->(h:Hardware)-[:VARIANT_OF*0..]->(named)
OPTIONAL MATCH (c)-[:ACHIEVED_BY]->(m)
OPTIONAL MATCH (c)-[:OVER]->(b)
OPTIONAL MATCH (p:Paper)-[:REPORTS]->(c)
RETURN DISTINCT c.id AS claim, coalesce(m.name, c.method) AS method, coalesce(b.name, c.baseline) AS baseline,
       c.value AS value, c.unit AS unit, c.metric AS metric, c.qualifier AS qualifier, p.id AS paper
ORDER BY value DESC, claim

// name: q4_paper_proposes
// question: What does a paper propose? Takes the paper's node id ("paper:81c586c36c") or its bare id.
// params: paper
// columns: entity, name, label
MATCH (p:Paper)-[:PROPOSES]->(e:Method)
WHERE p.id = $paper OR p.id = 'paper:' + $paper
RETURN e.id AS entity, e.name AS name, 'Method' AS label
UNION
MATCH (p:Paper)-[:PROPOSES]->(e:Model)
WHERE p.id = $paper OR p.id = 'paper:' + $paper
RETURN e.id AS entity, e.name AS name, 'Model' AS label
UNION
MATCH (p:Paper)-[:PROPOSES]->(e:Dataset)
WHERE p.id = $paper OR p.id = 'paper:' + $paper
RETURN e.id AS entity, e.name AS name, 'Dataset' AS label
UNION
MATCH (p:Paper)-[:PROPOSES]->(e:Hardware)
WHERE p.id = $paper OR p.id = 'paper:' + $paper
RETURN e.id AS entity, e.name AS name, 'Hardware' AS label

// name: q5_vendors_by_claims
// question: Which hardware vendors have the most speedup claims measured on their devices?
// params:
// columns: vendor, claims
MATCH (c:SpeedupClaim)-[:MEASURED_ON]->(:Hardware)-[:MADE_BY]->(v:Vendor)
RETURN v.name AS vendor, count(DISTINCT c.id) AS claims
ORDER BY claims DESC, vendor

// name: q6_method_baselines
// question: Which baselines is a method (e.g. FlashDecoding++) compared against, by how much, on what?
// params: method
// columns: baseline, claim, value, unit, metric, hardware, paper
WITH toLower($method) AS key
MATCH (c:SpeedupClaim)-[:ACHIEVED_BY]->(m)
WHERE toLower(m.name) = key OR any(a IN m.aliases WHERE toLower(a) = key)
OPTIONAL MATCH (c)-[:OVER]->(b)
OPTIONAL MATCH (c)-[:MEASURED_ON]->(h:Hardware)
OPTIONAL MATCH (p:Paper)-[:REPORTS]->(c)
WITH c, h, p, coalesce(b.name, c.baseline) AS baseline
WHERE baseline IS NOT NULL
RETURN DISTINCT baseline, c.id AS claim, c.value AS value, c.unit AS unit, c.metric AS metric,
       h.name AS hardware, p.id AS paper
ORDER BY baseline, value DESC, claim

// name: q7_papers_on_hw_class
// question: Which papers name hardware of a class (e.g. FPGA, GPU), and which devices?
// params: hw_class
// columns: paper, title, hardware
WITH toLower($hw_class) AS key
MATCH (k:HardwareClass)<-[:IS_A]-(h:Hardware)<-[:PROPOSES|MENTIONS]-(p:Paper)
WHERE toLower(k.name) = key OR any(a IN k.aliases WHERE toLower(a) = key)
RETURN DISTINCT p.id AS paper, p.title AS title, h.name AS hardware
ORDER BY paper, hardware
