package dev.sqlitebackup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package arrows go one way. The root package ({@code dev.sqlitebackup}) is the public model and
 * the front door, {@code SqliteBackupTemplate}: only the front door uses the flow packages, each flow
 * package uses only lower ones (root model &lt;- {@code engine} &lt;- {@code backup} &lt;- {@code restore}
 * &lt;- {@code pointintime} &lt;- {@code continuous}; {@code retention} -&gt; {@code pointintime} and
 * below), and none uses the front door. The engine uses the codecs, a leaf; the stores implement the
 * root {@code BackupStore} and use no flow package; {@code autoconfigure} wires them and uses
 * {@code actuate} and {@code event}; never back, and no cycle anywhere. Read from the main sources, so
 * that a wrong-way import fails the build where it is written.
 */
class PackageDependencyTests {

	private static final Path SOURCES = Path.of("src/main/java");

	private static final String ROOT = "dev.sqlitebackup";

	private static final String AUTOCONFIGURE = ROOT + ".autoconfigure";

	private static final String ACTUATE = ROOT + ".actuate";

	private static final String EVENT = ROOT + ".event";

	private static final String SPRING = "org.springframework";

	private static final String RECOVERY = ROOT + ".recovery";

	private static final String ENGINE = ROOT + ".engine";

	private static final String BACKUP = ROOT + ".backup";

	private static final String RESTORE = ROOT + ".restore";

	private static final String POINT_IN_TIME = ROOT + ".pointintime";

	private static final String CONTINUOUS = ROOT + ".continuous";

	private static final String RETENTION = ROOT + ".retention";

	/** Each flow package and the flow packages below it, the only ones it may use. */
	private static final Map<String, Set<String>> FLOWS = Map.ofEntries(Map.entry(ENGINE, Set.of()),
			Map.entry(BACKUP, Set.of(ENGINE)), Map.entry(RESTORE, Set.of(ENGINE, BACKUP)),
			Map.entry(POINT_IN_TIME, Set.of(ENGINE, BACKUP, RESTORE)),
			Map.entry(CONTINUOUS, Set.of(ENGINE, BACKUP, RESTORE, POINT_IN_TIME)),
			Map.entry(RETENTION, Set.of(ENGINE, BACKUP, RESTORE, POINT_IN_TIME)),
			Map.entry(RECOVERY, Set.of(ENGINE, BACKUP, RESTORE, POINT_IN_TIME)));

	/** The one class of the root package that delegates to the flow packages. */
	private static final String FRONT_DOOR = "SqliteBackupTemplate";

	private static final Pattern FRONT_DOOR_NAME = Pattern.compile("\\b" + FRONT_DOOR + "\\b");

	private static List<SourceFile> sources;

	@BeforeAll
	static void readSources() {
		sources = SourceFile.readAll(SOURCES);
	}

	@Test
	void theSourcesHoldEveryPackageTheRulesAreAbout() {
		assertThat(sources).extracting(SourceFile::pkg)
			.contains(ROOT, ROOT + ".store", ROOT + ".store.s3", ROOT + ".codec", AUTOCONFIGURE, ACTUATE, EVENT)
			.containsAll(FLOWS.keySet());
		assertThat(sources).filteredOn(PackageDependencyTests::isFrontDoor).hasSize(1);
	}

	@Test
	void flowPackagesImportOnlyDownward() {
		List<String> violations = new ArrayList<>();
		for (SourceFile source : sources) {
			String flow = flowOf(source.pkg());
			if (flow != null) {
				source.references()
					.stream()
					.filter((reference) -> {
						String used = flowOf(reference);
						return used != null && !used.equals(flow) && !FLOWS.get(flow).contains(used);
					})
					.forEach((reference) -> violations.add(source.file() + " uses " + reference));
			}
		}
		assertThat(violations)
			.as("engine <- backup <- restore <- pointintime <- continuous, retention -> pointintime: never up")
			.isEmpty();
	}

	@Test
	void onlyTheFrontDoorImportsFlowPackages() {
		assertNoReferenceIn((source) -> flowOf(source.pkg()) == null && !isFrontDoor(source),
				FLOWS.keySet().toArray(String[]::new));
	}

	@Test
	void theRootModelImportsNoFlowPackage() {
		assertNoReferenceIn((source) -> source.pkg().equals(ROOT) && !isFrontDoor(source),
				FLOWS.keySet().toArray(String[]::new));
	}

	@Test
	void storesImportNoFlowPackage() {
		assertNoReference(in(ROOT + ".store"), FLOWS.keySet().toArray(String[]::new));
	}

	@Test
	void noFlowPackageUsesTheFrontDoor() {
		List<String> violations = new ArrayList<>();
		for (SourceFile source : sources) {
			if (flowOf(source.pkg()) != null && FRONT_DOOR_NAME.matcher(source.code()).find()) {
				violations.add(source.file() + " uses " + ROOT + "." + FRONT_DOOR);
			}
		}
		assertThat(violations).as("the flows are what the front door delegates to, never the other way").isEmpty();
	}

	@Test
	void actuateDoesNotDependOnAutoconfigure() {
		assertNoReference(in(ACTUATE), AUTOCONFIGURE);
	}

	@Test
	void eventDoesNotDependOnAutoconfigureOrActuate() {
		assertNoReference(in(EVENT), AUTOCONFIGURE, ACTUATE);
	}

	@Test
	void theEngineDoesNotDependOnSpringNorOnTheSpringSide() {
		assertNoReference(in(AUTOCONFIGURE).or(in(ACTUATE)).or(in(EVENT)).negate(), AUTOCONFIGURE, ACTUATE, EVENT,
				SPRING);
	}

	@Test
	void theEngineDoesNotDependOnAnyStore() {
		assertNoReference((pkg) -> pkg.equals(ROOT) || flowOf(pkg) != null, ROOT + ".store");
	}

	@Test
	void codecsDependOnNothingElseOfTheProject() {
		List<String> violations = new ArrayList<>();
		for (SourceFile source : sources) {
			if (in(ROOT + ".codec").test(source.pkg())) {
				source.references()
					.stream()
					.filter((reference) -> in(ROOT).test(reference) && !in(ROOT + ".codec").test(reference))
					.forEach((reference) -> violations.add(source.file() + " uses " + reference));
			}
		}
		assertThat(violations).as("codecs are a leaf: compression and encryption of bytes, nothing more").isEmpty();
	}

	@Test
	void packagesFormNoCycle() {
		// The front door is a node of its own: the root model below the flows, the front door above them.
		String frontDoor = ROOT + "." + FRONT_DOOR;
		Map<String, Set<String>> uses = new TreeMap<>();
		for (SourceFile source : sources) {
			String node = isFrontDoor(source) ? frontDoor : source.pkg();
			Set<String> targets = uses.computeIfAbsent(node, (pkg) -> new TreeSet<>());
			source.references()
				.stream()
				.filter((reference) -> in(ROOT).test(reference) && !reference.equals(node))
				.forEach(targets::add);
			if (!isFrontDoor(source) && FRONT_DOOR_NAME.matcher(source.code()).find()) {
				targets.add(frontDoor);
			}
		}
		List<String> cycles = new ArrayList<>();
		for (String start : uses.keySet()) {
			findCycle(start, start, uses, new ArrayList<>(List.of(start)), new TreeSet<>(), cycles);
		}
		assertThat(cycles).as("cycles between packages").isEmpty();
	}

	private static void findCycle(String start, String current, Map<String, Set<String>> uses, List<String> path,
			Set<String> seen, List<String> cycles) {
		for (String next : uses.getOrDefault(current, Set.of())) {
			if (next.equals(start)) {
				cycles.add(String.join(" -> ", path) + " -> " + start);
			}
			else if (seen.add(next)) {
				path.add(next);
				findCycle(start, next, uses, path, seen, cycles);
				path.remove(path.size() - 1);
			}
		}
	}

	/** Packages named {@code name} or below it. */
	private static Predicate<String> in(String name) {
		return (pkg) -> pkg.equals(name) || pkg.startsWith(name + ".");
	}

	/** The flow package {@code pkg} is in, {@code null} when it is in none. */
	private static @Nullable String flowOf(String pkg) {
		return FLOWS.keySet().stream().filter((flow) -> in(flow).test(pkg)).findFirst().orElse(null);
	}

	private static boolean isFrontDoor(SourceFile source) {
		return source.pkg().equals(ROOT) && source.file().getFileName().toString().equals(FRONT_DOOR + ".java");
	}

	private static void assertNoReference(Predicate<String> from, String... forbidden) {
		assertNoReferenceIn((source) -> from.test(source.pkg()), forbidden);
	}

	private static void assertNoReferenceIn(Predicate<SourceFile> from, String... forbidden) {
		List<String> violations = new ArrayList<>();
		for (SourceFile source : sources) {
			if (from.test(source)) {
				for (String reference : source.references()) {
					for (String name : forbidden) {
						if (in(name).test(reference)) {
							violations.add(source.file() + " uses " + reference);
						}
					}
				}
			}
		}
		assertThat(violations).as("references against the direction of the package arrows").isEmpty();
	}

	/**
	 * A main source file, its package, the packages it names, and its code after the package
	 * declaration with comments and literals blanked out.
	 */
	record SourceFile(Path file, String pkg, Set<String> references, String code) {

		private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

		// Comments and literals name no dependency; a text block, a string, a char, then comments.
		private static final Pattern NOT_CODE = Pattern.compile(
				"\"\"\"[\\s\\S]*?\"\"\"|\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])*'|/\\*[\\s\\S]*?\\*/|//[^\\n]*");

		// A qualified name up to its first capitalised segment: the package it is in.
		private static final Pattern QUALIFIED = Pattern
			.compile("(?<![\\w.])((?:dev\\.sqlitebackup|org\\.springframework)(?:\\.[a-z][a-z0-9_]*)*)");

		static List<SourceFile> readAll(Path root) {
			try (Stream<Path> files = Files.walk(root)) {
				return files.filter((file) -> file.toString().endsWith(".java")).map(SourceFile::read).toList();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		static SourceFile read(Path file) {
			String text;
			try {
				text = Files.readString(file, StandardCharsets.UTF_8);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			String code = NOT_CODE.matcher(text).replaceAll(" ");
			Matcher declaration = PACKAGE.matcher(code);
			if (!declaration.find()) {
				throw new IllegalStateException(file + " has no package declaration");
			}
			String pkg = declaration.group(1);
			String body = code.substring(declaration.end());
			Set<String> references = new TreeSet<>();
			Matcher qualified = QUALIFIED.matcher(body);
			while (qualified.find()) {
				references.add(qualified.group(1));
			}
			return new SourceFile(file, pkg, references, body);
		}

	}

}
