import java.io.File;
import java.util.Map;
import java.util.TreeMap;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.TestAssertion;
import org.verapdf.pdfa.results.ValidationResult;
import org.verapdf.pdfa.validation.profiles.RuleId;

/**
 * Validate PDFs with veraPDF's PDF/UA-1 rules, in one JVM (tests/verapdf.py runs it).
 * Prints, per file, one line "file<TAB>path<TAB>compliant|not compliant|error: ..." and one
 * line "rule<TAB>path<TAB>clause-test<TAB>failures<TAB>first failure's message" per rule
 * it breaks.
 */
public class Validate {
    public static void main(String[] paths) throws Exception {
        VeraGreenfieldFoundryProvider.initialise();
        PDFAFlavour flavour = PDFAFlavour.PDFUA_1;
        for (String path : paths) {
            try (PDFAParser parser = Foundries.defaultInstance().createParser(new File(path), flavour)) {
                PDFAValidator validator = Foundries.defaultInstance()
                        .createValidator(flavour, 50, false, false, false);
                ValidationResult result = validator.validate(parser);
                System.out.println("file\t" + path + "\t"
                        + (result.isCompliant() ? "compliant" : "not compliant"));
                Map<String, String> first = new TreeMap<>();
                for (TestAssertion assertion : result.getTestAssertions()) {
                    if (assertion.getStatus() == TestAssertion.Status.FAILED) {
                        RuleId rule = assertion.getRuleId();
                        String message = assertion.getErrorMessage() != null
                                ? assertion.getErrorMessage() : assertion.getMessage();
                        first.putIfAbsent(rule.getClause() + "-" + rule.getTestNumber(),
                                message.replace('\n', ' '));
                    }
                }
                for (Map.Entry<RuleId, Integer> failed : result.getFailedChecks().entrySet()) {
                    String rule = failed.getKey().getClause() + "-" + failed.getKey().getTestNumber();
                    System.out.println("rule\t" + path + "\t" + rule + "\t" + failed.getValue()
                            + "\t" + first.getOrDefault(rule, ""));
                }
            } catch (Exception error) {
                System.out.println("file\t" + path + "\terror: " + error);
            }
        }
    }
}
